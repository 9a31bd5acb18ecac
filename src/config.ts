/**
 * The only module that reads the environment. Every setting is validated by one zod schema;
 * all problems are reported at once, each naming the variable to fix.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { KnowledgeBotError } from "./core/errors.js";
import { DEFAULT_INDEX_LIMITS, type IndexLimits } from "./ingest/index-limits.js";

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const optionalUrl = optionalText.refine((value) => value === undefined || /^https?:\/\/[^\s]+$/i.test(value), {
  message: "must be an http(s) URL",
});

const idList = optionalText.transform((value) =>
  value === undefined
    ? []
    : value
        .split(/[,\s]+/)
        .map((item) => item.trim())
        .filter(Boolean),
);

const environmentSchema = z.object({
  KNOWLEDGE_DIR: optionalText,
  INDEX_DIR: optionalText,
  MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(4 * 1024 ** 3)
    .default(DEFAULT_INDEX_LIMITS.maxFileBytes),
  MAX_CHUNKS: z.coerce.number().int().min(1).max(100_000_000).default(DEFAULT_INDEX_LIMITS.maxChunks),
  MAX_FRONT_MATTER_BYTES: z.coerce
    .number()
    .int()
    .min(64)
    .max(1024 * 1024)
    .default(DEFAULT_INDEX_LIMITS.maxFrontMatterBytes),
  REINDEX_LOCK_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_INDEX_LIMITS.lockWaitMs),

  EMBEDDER: z.enum(["local", "openai"]).default("local"),
  EMBEDDINGS_BASE_URL: optionalUrl,
  EMBEDDINGS_API_KEY: optionalText,
  EMBEDDINGS_MODEL: optionalText,
  EMBEDDINGS_BATCH_SIZE: z.coerce.number().int().min(1).max(2048).default(64),

  ANSWER_MODE: z.enum(["retrieval", "generative"]).default("retrieval"),
  CHAT_MODEL_BASE_URL: optionalUrl,
  CHAT_MODEL_API_KEY: optionalText,
  CHAT_MODEL_NAME: optionalText,
  CHAT_MODEL_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),

  HOST: z.string().trim().min(1).default("0.0.0.0"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PUBLIC_BASE_URL: optionalUrl,
  ADMIN_TOKEN: optionalText.refine((value) => value === undefined || value.length >= 16, {
    message: "must be at least 16 characters (it guards POST /api/reindex)",
  }),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10_000_000)
    .default(64 * 1024),
  MAX_QUESTION_CHARS: z.coerce.number().int().min(10).max(100_000).default(2000),
  CONVERSATION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  CONVERSATION_MAX_TURNS: z.coerce.number().int().min(1).max(100).default(10),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(60),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),

  TELEGRAM_BOT_TOKEN: optionalText,
  TELEGRAM_ADMIN_IDS: idList,
  TELEGRAM_WEBHOOK_URL: optionalUrl,
  TELEGRAM_WEBHOOK_SECRET: optionalText.refine((value) => value === undefined || /^[A-Za-z0-9_-]{1,256}$/.test(value), {
    message: "must be 1-256 characters of A-Z a-z 0-9 _ -",
  }),
  TELEGRAM_API_ROOT: optionalUrl,
  TELEGRAM_MAX_RETRY_AFTER_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),

  WECOM_BOT_TOKEN: optionalText,
  WECOM_BOT_ENCODING_AES_KEY: optionalText,
  WECOM_CORP_ID: optionalText,
  WECOM_AGENT_ID: optionalText,
  WECOM_SECRET: optionalText,
  WECOM_TOKEN: optionalText,
  WECOM_ENCODING_AES_KEY: optionalText,
  WECOM_WEBHOOK_KEY: optionalText,
  WECOM_API_BASE: optionalUrl,
  WECOM_ADMIN_USERIDS: idList,
});

type Environment = z.infer<typeof environmentSchema>;

export interface EmbedderConfig {
  kind: "local" | "openai";
  baseUrl?: string;
  apiKey?: string;
  model?: string;
  batchSize: number;
}

export interface ChatModelConfig {
  baseUrl: string;
  apiKey?: string;
  model: string;
  timeoutMs: number;
}

export interface TelegramConfig {
  botToken: string;
  adminIds: string[];
  webhookUrl?: string;
  webhookSecret?: string;
  apiRoot?: string;
  /** A `retry_after` longer than this drops the message with a warning instead of holding the chat. */
  maxRetryAfterSeconds: number;
}

export interface WecomBotConfig {
  token: string;
  encodingAesKey: string;
}

export interface WecomAppConfig {
  corpId: string;
  agentId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
}

export interface WecomConfig {
  bot?: WecomBotConfig;
  app?: WecomAppConfig;
  webhookKey?: string;
  apiBase: string;
  adminUserIds: string[];
}

export interface AppConfig {
  knowledgeDir: string;
  indexDir: string;
  limits: IndexLimits;
  embedder: EmbedderConfig;
  answerMode: "retrieval" | "generative";
  chatModel?: ChatModelConfig;
  host: string;
  port: number;
  publicBaseUrl: string;
  adminToken?: string;
  maxBodyBytes: number;
  maxQuestionChars: number;
  /** Conversation memory: a conversation idle this long starts over; only the last `maxTurns` turns are kept. */
  conversation: { idleMinutes: number; maxTurns: number };
  /** Requests per minute per client address on /api/ask and /api/search; 0 turns the limit off. */
  rateLimitPerMinute: number;
  logLevel: Environment["LOG_LEVEL"];
  telegram?: TelegramConfig;
  wecom?: WecomConfig;
}

export class ConfigError extends KnowledgeBotError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      "CONFIG_INVALID",
      `Configuration is invalid:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
      "Fix the variables named above in the environment or in .env (see .env.example).",
    );
    this.problems = problems;
  }
}

/** Reads `.env` from the working folder into the environment, if there is one; real variables win. */
export function loadDotEnvFile(file = path.resolve(".env")): void {
  if (existsSync(file)) process.loadEnvFile(file);
}

/** Requires all or none of a group of variables, so a half-configured surface is caught at start. */
function checkAllOrNone(environment: Environment, names: (keyof Environment)[], surface: string, problems: string[]): boolean {
  const missing = names.filter((name) => environment[name] === undefined);
  if (missing.length === names.length) return false;
  if (missing.length > 0) {
    problems.push(`${missing.join(", ")}: required for ${surface} because ${names.filter((name) => !missing.includes(name)).join(", ")} is set`);
    return false;
  }
  return true;
}

function checkEncodingAesKey(value: string | undefined, name: string, problems: string[]): void {
  if (value === undefined) return;
  if (!/^[A-Za-z0-9+/]{43}$/.test(value)) problems.push(`${name}: must be the 43-character EncodingAESKey from the WeCom console`);
}

/** Builds the validated configuration; `environment` defaults to the process environment. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const values = parsed.data;
  const problems: string[] = [];

  if (values.EMBEDDER === "openai") {
    for (const name of ["EMBEDDINGS_BASE_URL", "EMBEDDINGS_MODEL"] as const) {
      if (!values[name]) problems.push(`${name}: required when EMBEDDER=openai`);
    }
  }
  const chatModelSet = checkAllOrNone(values, ["CHAT_MODEL_BASE_URL", "CHAT_MODEL_NAME"], "the generative answer mode", problems);
  if (values.ANSWER_MODE === "generative" && !chatModelSet && !problems.some((problem) => problem.includes("CHAT_MODEL"))) {
    problems.push("CHAT_MODEL_BASE_URL, CHAT_MODEL_NAME: required when ANSWER_MODE=generative");
  }
  const wecomBotSet = checkAllOrNone(values, ["WECOM_BOT_TOKEN", "WECOM_BOT_ENCODING_AES_KEY"], "the WeCom AI bot (/wecom/bot)", problems);
  const wecomAppSet = checkAllOrNone(
    values,
    ["WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY"],
    "the WeCom self-built app (/wecom/app)",
    problems,
  );
  checkEncodingAesKey(values.WECOM_BOT_ENCODING_AES_KEY, "WECOM_BOT_ENCODING_AES_KEY", problems);
  checkEncodingAesKey(values.WECOM_ENCODING_AES_KEY, "WECOM_ENCODING_AES_KEY", problems);
  if (values.WECOM_AGENT_ID !== undefined && !/^\d+$/.test(values.WECOM_AGENT_ID)) problems.push("WECOM_AGENT_ID: must be the numeric AgentId");
  if (!values.TELEGRAM_BOT_TOKEN) {
    for (const name of ["TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_API_ROOT"] as const) {
      if (values[name]) problems.push(`TELEGRAM_BOT_TOKEN: required because ${name} is set`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const publicBaseUrl = (values.PUBLIC_BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, "");
  const wecomAny = wecomBotSet || wecomAppSet || values.WECOM_WEBHOOK_KEY !== undefined;

  return {
    knowledgeDir: path.resolve(values.KNOWLEDGE_DIR ?? "knowledge"),
    indexDir: path.resolve(values.INDEX_DIR ?? ".index"),
    limits: {
      maxFileBytes: values.MAX_FILE_BYTES,
      maxChunks: values.MAX_CHUNKS,
      maxFrontMatterBytes: values.MAX_FRONT_MATTER_BYTES,
      lockWaitMs: values.REINDEX_LOCK_WAIT_MS,
    },
    embedder: {
      kind: values.EMBEDDER,
      baseUrl: values.EMBEDDINGS_BASE_URL,
      apiKey: values.EMBEDDINGS_API_KEY,
      model: values.EMBEDDINGS_MODEL,
      batchSize: values.EMBEDDINGS_BATCH_SIZE,
    },
    answerMode: values.ANSWER_MODE,
    chatModel: chatModelSet
      ? {
          baseUrl: values.CHAT_MODEL_BASE_URL!,
          apiKey: values.CHAT_MODEL_API_KEY,
          model: values.CHAT_MODEL_NAME!,
          timeoutMs: values.CHAT_MODEL_TIMEOUT_MS,
        }
      : undefined,
    host: values.HOST,
    port: values.PORT,
    publicBaseUrl,
    adminToken: values.ADMIN_TOKEN,
    maxBodyBytes: values.MAX_BODY_BYTES,
    maxQuestionChars: values.MAX_QUESTION_CHARS,
    conversation: { idleMinutes: values.CONVERSATION_IDLE_MINUTES, maxTurns: values.CONVERSATION_MAX_TURNS },
    rateLimitPerMinute: values.RATE_LIMIT_PER_MINUTE,
    logLevel: values.LOG_LEVEL,
    telegram: values.TELEGRAM_BOT_TOKEN
      ? {
          botToken: values.TELEGRAM_BOT_TOKEN,
          adminIds: values.TELEGRAM_ADMIN_IDS,
          webhookUrl: values.TELEGRAM_WEBHOOK_URL,
          webhookSecret: values.TELEGRAM_WEBHOOK_SECRET,
          apiRoot: values.TELEGRAM_API_ROOT,
          maxRetryAfterSeconds: values.TELEGRAM_MAX_RETRY_AFTER_SECONDS,
        }
      : undefined,
    wecom: wecomAny
      ? {
          bot: wecomBotSet ? { token: values.WECOM_BOT_TOKEN!, encodingAesKey: values.WECOM_BOT_ENCODING_AES_KEY! } : undefined,
          app: wecomAppSet
            ? {
                corpId: values.WECOM_CORP_ID!,
                agentId: values.WECOM_AGENT_ID!,
                secret: values.WECOM_SECRET!,
                token: values.WECOM_TOKEN!,
                encodingAesKey: values.WECOM_ENCODING_AES_KEY!,
              }
            : undefined,
          webhookKey: values.WECOM_WEBHOOK_KEY,
          apiBase: (values.WECOM_API_BASE ?? "https://qyapi.weixin.qq.com").replace(/\/+$/, ""),
          adminUserIds: values.WECOM_ADMIN_USERIDS,
        }
      : undefined,
  };
}
