/**
 * A real server on 127.0.0.1 over a real index: the bot from `createTestKnowledgeBot`, the config
 * from `loadConfig` (as production builds it), and every log line kept for assertions.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { LocalKnowledgeBot } from "../../../src/bot/local-knowledge-bot.js";
import { type AppConfig, loadConfig } from "../../../src/config.js";
import type { Answer } from "../../../src/core/types.js";
import { createLogger } from "../../../src/core/logger.js";
import type { ChatAdapter } from "../../../src/core/chat-adapter.js";
import { type BotServer, createServer } from "../../../src/server/create-server.js";
import { createTestKnowledgeBot, SEED_KNOWLEDGE_DIR } from "../../support/test-knowledge-bot.js";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789";
export const TEST_PUBLIC_BASE_URL = "http://127.0.0.1:3000";

/**
 * The settings of a whole bot under test (`startBot`): its folders, a free port on 127.0.0.1, the
 * test admin token, no rate limit and no log output; PostgreSQL when `databaseUrl` is given.
 */
export function botEnvironment(folders: { knowledgeDir: string; indexDir: string; dataDir: string; databaseUrl?: string }): Record<string, string> {
  return {
    KNOWLEDGE_DIR: folders.knowledgeDir,
    INDEX_DIR: folders.indexDir,
    DATA_DIR: folders.dataDir,
    ...(folders.databaseUrl === undefined ? {} : { DATABASE_URL: folders.databaseUrl }),
    HOST: "127.0.0.1",
    PORT: "0",
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: "silent",
  };
}

export interface TestServerOptions {
  /** Extra variables as in the environment, e.g. `{ ADMIN_TOKEN: "..." }`. */
  environment?: Record<string, string>;
  knowledgeDir?: string;
  rewriteAnswer?: (answer: Answer, question: string) => Promise<Answer>;
  adapters?: ChatAdapter[];
  indexPollMs?: number;
  shutdownTimeoutMs?: number;
}

export interface TestServer {
  url: string;
  bot: LocalKnowledgeBot;
  config: AppConfig;
  server: BotServer;
  indexDir: string;
  logLines: Record<string, unknown>[];
  post(route: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const knowledge = await createTestKnowledgeBot({
    knowledgeDir: options.knowledgeDir,
    publicBaseUrl: TEST_PUBLIC_BASE_URL,
    rewriteAnswer: options.rewriteAnswer,
  });
  const config = loadConfig({
    KNOWLEDGE_DIR: options.knowledgeDir ?? SEED_KNOWLEDGE_DIR,
    INDEX_DIR: knowledge.indexDir,
    PUBLIC_BASE_URL: TEST_PUBLIC_BASE_URL,
    LOG_LEVEL: "info",
    // Tests here fire questions in bursts about other things; the limit is tested in test/security/api-rate-limit.test.ts.
    RATE_LIMIT_PER_MINUTE: "0",
    ...options.environment,
  });
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger("info", { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const server = createServer({
    bot: knowledge.bot,
    config,
    logger,
    adapters: options.adapters,
    indexPollMs: options.indexPollMs ?? 0,
    shutdownTimeoutMs: options.shutdownTimeoutMs,
  });
  const { port } = await server.start({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    bot: knowledge.bot,
    config,
    server,
    indexDir: knowledge.indexDir,
    logLines,
    post: (route, body, headers = {}) =>
      fetch(`${url}${route}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    async close() {
      await server.close();
      await knowledge.cleanup();
    },
  };
}

/** A writable copy of the seed knowledge folder, for tests that change it. */
export async function copySeedKnowledge(): Promise<{ knowledgeDir: string; cleanup(): Promise<void> }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "kb-test-knowledge-"));
  const knowledgeDir = path.join(root, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  return { knowledgeDir, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The path and fragment of a citation URL, to request it from the server under test. */
export function pathOf(citationUrl: string): string {
  const url = new URL(citationUrl);
  return `${url.pathname}${url.search}`;
}
