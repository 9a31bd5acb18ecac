/**
 * The only module that reads the environment. Every setting is validated by one zod schema;
 * all problems are reported at once, each naming the variable to fix.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { telegramSettings } from "../adapters/telegram/settings.js";
import { wecomSettings } from "../adapters/wecom/settings.js";
import type { ChatModelConfig } from "./answer/chat-completions-client.js";
import { KnowledgeBotError } from "./core/errors.js";
import type { ConversationSettings } from "./conversation/conversation-settings.js";
import { checkAllOrNone, optionalText, optionalUrl } from "./core/settings-slice.js";
import type { EmbedderConfig } from "./embeddings/create-embedder.js";
import { DEFAULT_INDEX_LIMITS, type IndexLimits } from "./ingest/index-limits.js";
import type { DeliverySettings } from "./state/pending-deliveries.js";

export type { TelegramConfig } from "../adapters/telegram/settings.js";
export type { WecomAppConfig, WecomBotConfig, WecomConfig } from "../adapters/wecom/settings.js";

/**
 * Each chat platform's settings slice, owned by its adapter folder, under the key its settings
 * take in the configuration (`config.telegram`, `config.wecom`). A new platform adds one line here.
 */
const platformSettings = {
  telegram: telegramSettings,
  wecom: wecomSettings,
};

type PlatformSettings = {
  [Name in keyof typeof platformSettings]?: NonNullable<ReturnType<(typeof platformSettings)[Name]["settings"]>>;
};

/** The variables of the core; each platform's come from its slice. */
const coreVariables = {
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
  MAX_DOCUMENT_PAGES: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_INDEX_LIMITS.maxDocumentPages),
  MAX_SHEET_ROWS: z.coerce.number().int().min(1).max(10_000_000).default(DEFAULT_INDEX_LIMITS.maxSheetRows),
  MAX_UNPACKED_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(16 * 1024 ** 3)
    .default(DEFAULT_INDEX_LIMITS.maxUnpackedBytes),
  MAX_PDF_STREAM_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .max(16 * 1024 ** 3)
    .default(DEFAULT_INDEX_LIMITS.maxPdfStreamBytes),
  MAX_PARSE_HEAP_MB: z.coerce.number().int().min(64).max(65_536).default(DEFAULT_INDEX_LIMITS.maxParseHeapMb),
  OCR_PAGE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(DEFAULT_INDEX_LIMITS.ocrPageTimeoutMs),
  OCR_LANGUAGES: z
    .string()
    .trim()
    .regex(/^[A-Za-z_]+(?:\+[A-Za-z_]+)*$/, "must be Tesseract language names joined by +, e.g. chi_sim+eng")
    .default(DEFAULT_INDEX_LIMITS.ocrLanguages),
  DATA_DIR: optionalText,
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(?:ql)?:\/\//, "must be a postgres:// (or postgresql://) connection URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  PENDING_DELIVERIES_MAX: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  DELIVERY_LEASE_SECONDS: z.coerce.number().min(1).max(3600).default(30),
  QUESTION_LOG: z.enum(["on", "off"]).default("on"),
  QUESTION_LOG_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  QUESTION_LOG_MAX_ROWS: z.coerce.number().int().min(10).max(100_000_000).default(1_000_000),

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
  SERVE_ORIGINAL_FILES: z.enum(["true", "false"]).default("false"),
  ADMIN_TOKEN: optionalText.refine((value) => value === undefined || value.length >= 16, {
    message:
      "must be at least 16 characters (it unlocks the admin console at /admin, POST /api/reindex, /api/search hit testing and the admin API /api/admin/*)",
  }),
  ADMIN_TOKEN_TRIES_PER_MINUTE: z.coerce.number().int().min(1).max(1000).default(5),
  ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL: z.coerce.number().int().min(2).max(100_000).default(30),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10_000_000)
    .default(64 * 1024),
  MAX_QUESTION_CHARS: z.coerce.number().int().min(10).max(100_000).default(2000),
  ANSWER_MAX_CHARS: z.coerce.number().int().min(80).max(4000).default(300),
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(4 * 1024 ** 3)
    .default(20 * 1024 * 1024),
  CONVERSATION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  CONVERSATION_MAX_TURNS: z.coerce.number().int().min(1).max(100).default(10),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000).default(60),
  SHUTDOWN_TIMEOUT_SECONDS: z.coerce.number().min(1).max(600).default(10),
  ADAPTER_RETRY_MAX_SECONDS: z.coerce.number().min(1).max(3600).default(60),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
};

/** Every platform's variables; their values are typed by the slice that reads them. */
const platformVariables: z.ZodRawShape = Object.assign({}, ...Object.values(platformSettings).map((slice) => slice.variables));

/** One schema for all variables, so every problem is reported in one go. */
const environmentSchema = z.object(coreVariables).extend(platformVariables);

/** Every variable the configuration reads, the core's and every platform's, for checks of .env.example. */
export const ENVIRONMENT_VARIABLES: readonly string[] = Object.keys(environmentSchema.shape);

type Environment = z.infer<z.ZodObject<typeof coreVariables>>;

export interface AppConfig extends PlatformSettings, ConversationSettings {
  knowledgeDir: string;
  indexDir: string;
  /** Where the state store (question log, feedback, sessions, conversation memory, dedupe) lives. */
  dataDir: string;
  /**
   * PostgreSQL as the state store, shared by every replica (`postgres://user:password@host/db`);
   * unset: SQLite in `dataDir`, one replica. Its password is a secret and never logged.
   */
  databaseUrl?: string;
  /**
   * Chat deliveries acknowledged but not yet answered, kept in the state store: at most `maxPending`
   * per platform (beyond it a delivery is refused, so the platform re-delivers it later), each
   * leased to the replica answering it for `leaseMs`, renewed while it works.
   */
  deliveries: DeliverySettings;
  limits: IndexLimits;
  embedder: EmbedderConfig;
  answerMode: "retrieval" | "generative";
  chatModel?: ChatModelConfig;
  host: string;
  port: number;
  publicBaseUrl: string;
  /**
   * Offer a document source's original file (PDF, Word, slides, scans) at /kb-file/; never a table
   * row's. Off by default: an original holds what was never indexed (comments, tracked changes,
   * notes, properties, attachments).
   */
  serveOriginalFiles: boolean;
  adminToken?: string;
  /**
   * Admin tokens checked per minute (login form and Bearer alike): per client address, and over all
   * addresses; past either the answer is 429 without a check (see server/admin/login-throttle.ts).
   */
  adminTokenTries: { perAddress: number; overall: number };
  maxBodyBytes: number;
  /** Longest retrieval answer body in characters, unless a platform sets its own. */
  answerMaxChars: number;
  /** Largest file an admin may upload through the console, in bytes. */
  maxUploadBytes: number;
  /** Requests per minute per client address on /api/ask and /api/search; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** How long a stop waits for in-flight requests before cutting them; the whole stop gets this plus a margin. */
  shutdownTimeoutMs: number;
  /** Longest wait between tries to start a chat adapter whose platform cannot be reached (the first wait is 1 s, doubling). */
  adapterRetryMaxMs: number;
  logLevel: Environment["LOG_LEVEL"];
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

/** Builds the validated configuration; `environment` defaults to the process environment. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const values = parsed.data as Environment & Record<string, unknown>;
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
  const platforms: PlatformSettings = {};
  for (const [name, slice] of Object.entries(platformSettings)) {
    // The one schema above parsed the slice's variables too; it reads its own among them.
    const settings = slice.settings(values as never, problems);
    if (settings !== undefined) (platforms as Record<string, unknown>)[name] = settings;
  }
  if (values.ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL <= values.ADMIN_TOKEN_TRIES_PER_MINUTE) {
    // Otherwise one address alone could use up the budget of all, and lock the admin out.
    problems.push("ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL: must be larger than ADMIN_TOKEN_TRIES_PER_MINUTE");
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const publicBaseUrl = (values.PUBLIC_BASE_URL ?? `http://localhost:${values.PORT}`).replace(/\/+$/, "");

  return {
    knowledgeDir: path.resolve(values.KNOWLEDGE_DIR ?? "knowledge"),
    indexDir: path.resolve(values.INDEX_DIR ?? ".index"),
    dataDir: path.resolve(values.DATA_DIR ?? ".data"),
    databaseUrl: values.DATABASE_URL,
    deliveries: { maxPending: values.PENDING_DELIVERIES_MAX, leaseMs: Math.round(values.DELIVERY_LEASE_SECONDS * 1000) },
    limits: {
      maxFileBytes: values.MAX_FILE_BYTES,
      maxChunks: values.MAX_CHUNKS,
      maxFrontMatterBytes: values.MAX_FRONT_MATTER_BYTES,
      lockWaitMs: values.REINDEX_LOCK_WAIT_MS,
      maxDocumentPages: values.MAX_DOCUMENT_PAGES,
      maxSheetRows: values.MAX_SHEET_ROWS,
      maxUnpackedBytes: values.MAX_UNPACKED_BYTES,
      maxPdfStreamBytes: values.MAX_PDF_STREAM_BYTES,
      maxParseHeapMb: values.MAX_PARSE_HEAP_MB,
      ocrPageTimeoutMs: values.OCR_PAGE_TIMEOUT_MS,
      ocrLanguages: values.OCR_LANGUAGES,
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
    serveOriginalFiles: values.SERVE_ORIGINAL_FILES === "true",
    adminToken: values.ADMIN_TOKEN,
    adminTokenTries: { perAddress: values.ADMIN_TOKEN_TRIES_PER_MINUTE, overall: values.ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL },
    maxBodyBytes: values.MAX_BODY_BYTES,
    maxQuestionChars: values.MAX_QUESTION_CHARS,
    answerMaxChars: values.ANSWER_MAX_CHARS,
    maxUploadBytes: values.MAX_UPLOAD_BYTES,
    questionLog: { enabled: values.QUESTION_LOG === "on", retentionDays: values.QUESTION_LOG_DAYS, maxRows: values.QUESTION_LOG_MAX_ROWS },
    conversation: { idleMinutes: values.CONVERSATION_IDLE_MINUTES, maxTurns: values.CONVERSATION_MAX_TURNS },
    rateLimitPerMinute: values.RATE_LIMIT_PER_MINUTE,
    shutdownTimeoutMs: Math.round(values.SHUTDOWN_TIMEOUT_SECONDS * 1000),
    adapterRetryMaxMs: Math.round(values.ADAPTER_RETRY_MAX_SECONDS * 1000),
    logLevel: values.LOG_LEVEL,
    ...platforms,
  };
}
