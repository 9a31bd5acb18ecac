/**
 * Wiring: config → index → bot → adapters → HTTP server. The registration list below is the only
 * place that knows the chat platforms; each starts only when its configuration is set.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createChatCompletionsClient } from "./answer/chat-completions-client.js";
import { createQuestionCondenser } from "./answer/condense-question.js";
import { createGenerativeRewriter } from "./answer/generative-rewriter.js";
import { answerLengths } from "./bot/answer-lengths.js";
import { LocalKnowledgeBot } from "./bot/local-knowledge-bot.js";
import { type AppConfig, loadConfig, loadDotEnvFile } from "./config.js";
import { createConfiguredResponder } from "./conversation/conversation-settings.js";
import { createLogger, type Logger } from "./core/logger.js";
import { configuredSecrets } from "./configured-secrets.js";
import type { ChatAdapterContext } from "./conversation/chat-adapter-context.js";
import type { ChatAdapter } from "./core/chat-adapter.js";
import { adminAccessNote } from "./server/admin/admin-access-note.js";
import { type BotServer, createServer } from "./server/create-server.js";
import { openStateStore } from "./state/open-state-store.js";
import type { StateStore } from "./state/state-store.js";
import { describeStartUpFailure } from "./start-up-failure.js";
import { stopOnSignals } from "./stop-on-signals.js";
import { preloadGeneralWordIdf } from "./text/general-word-rarity.js";
import { preloadSubjectVocabulary } from "./text/subject-vocabulary.js";

interface AdapterRegistration {
  name: string;
  isConfigured(config: AppConfig): boolean;
  create(context: ChatAdapterContext<AppConfig>): Promise<ChatAdapter>;
}

// Imported on demand, so a platform that is not configured costs nothing at start.
const adapterRegistrations: AdapterRegistration[] = [
  {
    name: "telegram",
    isConfigured: (config) => config.telegram !== undefined,
    create: async (context) => (await import("../adapters/telegram/index.js")).createTelegramAdapter(context),
  },
  {
    name: "wecom",
    isConfigured: (config) => config.wecom !== undefined,
    create: async (context) => (await import("../adapters/wecom/index.js")).createWecomAdapter(context),
  },
];

export interface RunningBot {
  url: string;
  server: BotServer;
  bot: LocalKnowledgeBot;
  logger: Logger;
  /** The state store in DATA_DIR: question log, feedback, sessions, conversation memory, dedupe. */
  store: StateStore;
  /** Graceful stop: adapters, then the server once in-flight requests are done. */
  stop(): Promise<void>;
}

export interface StartBotOptions {
  /** Defaults to the process environment after reading `.env`. */
  environment?: NodeJS.ProcessEnv;
  /** Stop gracefully on SIGTERM/SIGINT and exit (on by default). */
  handleSignals?: boolean;
}

/** What the whole stop gets beyond the wait for in-flight requests: adapters, connections, the state store. */
const STOP_MARGIN_MS = 10_000;

export async function startBot({ environment, handleSignals = true }: StartBotOptions = {}): Promise<RunningBot> {
  if (!environment) loadDotEnvFile();
  const config = loadConfig(environment ?? process.env);
  // The configured credentials are also scrubbed by value from every log line.
  const logger = createLogger(config.logLevel, undefined, { secrets: configuredSecrets(config) });

  const rewriteAnswer =
    config.answerMode === "generative" && config.chatModel
      ? createGenerativeRewriter(createChatCompletionsClient(config.chatModel), logger.child({ component: "generative" }))
      : undefined;
  const bot = await LocalKnowledgeBot.open(
    {
      knowledgeDir: config.knowledgeDir,
      indexDir: config.indexDir,
      embedder: config.embedder,
      limits: config.limits,
      publicBaseUrl: config.publicBaseUrl,
      ...answerLengths(config),
      logger,
      rewriteAnswer,
      // Generative mode: the chat model also condenses follow-ups into standalone questions.
      condenseQuestion: rewriteAnswer && config.chatModel ? createQuestionCondenser(createChatCompletionsClient(config.chatModel)) : undefined,
    },
    { buildIfMissing: true },
  );
  // About two seconds of dictionary parsing, paid at start rather than by the first questions.
  preloadGeneralWordIdf();
  preloadSubjectVocabulary();

  const store = await openStateStore(config, logger);
  // Re-indexes take the lock every replica sharing the store sees, besides the index folder's file lock.
  bot.useReplicaLocks(store);
  // One responder for every platform: the same commands, texts, limits, conversation memory and question log.
  const responder = createConfiguredResponder({ bot, config, logger, store });
  const context: ChatAdapterContext<AppConfig> = { bot, config, logger, responder, store };
  const adapters: ChatAdapter[] = [];
  for (const registration of adapterRegistrations) {
    if (registration.isConfigured(config)) adapters.push(await registration.create(context));
  }

  const server = createServer({ bot, config, logger, adapters, responder, store });
  const { url } = await server.start();
  const stats = bot.stats();
  // An adapter that could not reach its platform is not listed as started; it is tried again in the background.
  const started = server.startedAdapters();
  const notStarted = adapters.map((adapter) => adapter.name).filter((name) => !started.includes(name));
  logger.info(
    {
      url,
      publicBaseUrl: config.publicBaseUrl,
      indexVersion: stats.version,
      sources: stats.sources,
      chunks: stats.chunks,
      answerMode: config.answerMode,
      adapters: started,
      ...(notStarted.length > 0 ? { adaptersRetrying: notStarted } : {}),
      // The connections adapters hold themselves (long polling, WeCom's long connection) as they are now: "connecting" is not up yet.
      ...connectionStates(server),
      admin: adminAccessNote(config.adminToken, url),
    },
    `serving on ${url}`,
  );

  // A running re-index is stopped first (it pauses every ~50 ms, so this is quick): the server's
  // close waits for in-flight requests, and a POST /api/reindex would otherwise hold it open.
  const stop = async () => {
    await Promise.all([bot.close(), server.close()]);
    await store.close();
  };
  if (handleSignals) stopOnSignals({ stop, logger, deadlineMs: config.shutdownTimeoutMs + STOP_MARGIN_MS });
  return { url, server, bot, logger, store, stop };
}

function connectionStates(server: BotServer): { connections?: Record<string, string> } {
  const connections = Object.entries(server.adapterHealth().connections);
  return connections.length > 0 ? { connections: Object.fromEntries(connections.map(([name, status]) => [name, status.state])) } : {};
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // Start-up builds only a missing or outdated index by itself; a damaged one is refused, not
  // rebuilt, so the damage is seen instead of silently replaced.
  startBot().catch((error: unknown) => {
    const failure = describeStartUpFailure(error);
    process.stderr.write(failure.text);
    process.exit(failure.exitCode);
  });
}
