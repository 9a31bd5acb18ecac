/**
 * A server with a real SQLite state store in a folder the test owns, an admin token, and a writable
 * knowledge folder: what the admin console needs. Closing keeps the folders, so a test can start a
 * second server on the same ones to check what survives a restart.
 */
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import type { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { type AppConfig, loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { type BotServer, createServer } from "../../src/server/create-server.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createTestKnowledgeBot, SEED_KNOWLEDGE_DIR } from "./test-knowledge-bot.js";

export const ADMIN_TEST_TOKEN = "console-admin-token-0123456789";

export interface AdminTestFolders {
  root: string;
  knowledgeDir: string;
  dataDir: string;
  remove(): Promise<void>;
}

/** A copy of the seed knowledge folder and an empty data folder. */
export async function createAdminTestFolders(): Promise<AdminTestFolders> {
  const root = await mkdtemp(path.join(os.tmpdir(), "kb-admin-"));
  const knowledgeDir = path.join(root, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  return { root, knowledgeDir, dataDir: path.join(root, "data"), remove: () => rm(root, { recursive: true, force: true }) };
}

export interface AdminTestServer {
  url: string;
  bot: LocalKnowledgeBot;
  config: AppConfig;
  store: SqliteStateStore;
  server: BotServer;
  /** Every log line the server wrote, parsed (nothing reaches the terminal). */
  logLines: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startAdminTestServer(folders: AdminTestFolders, environment: Record<string, string> = {}): Promise<AdminTestServer> {
  const knowledge = await createTestKnowledgeBot({ knowledgeDir: folders.knowledgeDir, publicBaseUrl: "http://127.0.0.1:3000" });
  const config = loadConfig({
    KNOWLEDGE_DIR: folders.knowledgeDir,
    INDEX_DIR: knowledge.indexDir,
    DATA_DIR: folders.dataDir,
    PUBLIC_BASE_URL: "http://127.0.0.1:3000",
    ADMIN_TOKEN: ADMIN_TEST_TOKEN,
    LOG_LEVEL: "silent",
    RATE_LIMIT_PER_MINUTE: "0",
    ...environment,
  });
  const store = openSqliteStateStore({ dataDir: folders.dataDir });
  const logLines: Record<string, unknown>[] = [];
  const logger = createLogger("info", { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  const server = createServer({ bot: knowledge.bot, config, logger, store, indexPollMs: 0 });
  const { port } = await server.start({ host: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${port}`,
    bot: knowledge.bot,
    config,
    store,
    server,
    logLines,
    async close() {
      await server.close();
      await store.close();
      await knowledge.cleanup();
    },
  };
}

/** Logs in through the form; returns the cookie header value and the page's CSRF token. */
export async function logInToConsole(url: string, token = ADMIN_TEST_TOKEN): Promise<{ cookie: string; csrf: string }> {
  const response = await fetch(`${url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: url },
    body: new URLSearchParams({ token }),
  });
  if (response.status !== 303) throw new Error(`login answered ${response.status}`);
  const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0];
  const page = await (await fetch(`${url}/admin/hit-testing`, { headers: { cookie } })).text();
  const csrf = /const CSRF_TOKEN = "([^"]+)"/.exec(page)?.[1];
  if (!csrf) throw new Error("no CSRF token on the console page");
  return { cookie, csrf };
}

/**
 * One admin test server for a test file: started before its tests on a fresh copy of the seed
 * folder, closed and removed after them. Read `folders` and `server` inside the tests.
 */
export function useAdminTestServer(environment: Record<string, string> = {}): { readonly folders: AdminTestFolders; readonly server: AdminTestServer } {
  let folders: AdminTestFolders | undefined;
  let server: AdminTestServer | undefined;
  beforeAll(async () => {
    folders = await createAdminTestFolders();
    server = await startAdminTestServer(folders, environment);
  });
  afterAll(async () => {
    await server?.close();
    await folders?.remove();
  });
  return {
    get folders() {
      if (!folders) throw new Error("the admin test server starts in beforeAll");
      return folders;
    },
    get server() {
      if (!server) throw new Error("the admin test server starts in beforeAll");
      return server;
    },
  };
}
