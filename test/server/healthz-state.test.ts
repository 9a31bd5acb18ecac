/**
 * /healthz reports the state store's health beside the index. A store that cannot be reached (here
 * a real SQLite store, closed under the running server) makes it "degraded" but keeps the status
 * 200, and questions are still answered from the index.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { type BotServer, createServer } from "../../src/server/create-server.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createTestKnowledgeBot } from "../support/test-knowledge-bot.js";

let knowledge: Awaited<ReturnType<typeof createTestKnowledgeBot>>;
let dataDir: string;
let store: SqliteStateStore;
let server: BotServer;
let url: string;

beforeAll(async () => {
  knowledge = await createTestKnowledgeBot();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-healthz-"));
  store = openSqliteStateStore({ dataDir });
  const config = loadConfig({ INDEX_DIR: knowledge.indexDir, DATA_DIR: dataDir, LOG_LEVEL: "silent", RATE_LIMIT_PER_MINUTE: "0" });
  server = createServer({ bot: knowledge.bot, config, logger: createLogger("silent"), store, indexPollMs: 0 });
  url = `http://127.0.0.1:${(await server.start({ host: "127.0.0.1", port: 0 })).port}`;
});

afterAll(async () => {
  await server?.close();
  await store?.close();
  await knowledge?.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

async function health(): Promise<{
  status: number;
  body: { status: string; index: { version: string }; state: { dialect: string; state: string; detail?: string } };
}> {
  const response = await fetch(`${url}/healthz`);
  return { status: response.status, body: await response.json() };
}

describe("/healthz and the state store", () => {
  it("shows the store's dialect and state", async () => {
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe("ok");
    expect(body.state).toEqual({ dialect: "sqlite", state: "ok" });
    expect(body.index.version).toBe(knowledge.bot.current.version);
  });

  it("stays 200 with the store degraded, and questions are still answered", async () => {
    await store.close();
    const { status, body } = await health();
    expect(status).toBe(200);
    expect(body.status).toBe("degraded");
    expect(body.state).toMatchObject({ dialect: "sqlite", state: "degraded", detail: expect.any(String) });
    const asked = await fetch(`${url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "亲情账户和家庭共济账户有什么区别" }),
    });
    expect(asked.status).toBe(200);
    expect(((await asked.json()) as { noAnswer: boolean }).noAnswer).toBe(false);
  });
});
