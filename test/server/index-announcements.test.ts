/**
 * Index announcements between replicas: two servers, each with its own bot, on one state store (a
 * real SQLite store) and one index folder, with the CURRENT poll off. A re-index on one announces
 * the new version; the other switches to it on the announcement alone and answers from it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/core/logger.js";
import { type BotServer, createServer } from "../../src/server/create-server.js";
import { INDEX_CHANNEL } from "../../src/bot/replica-reindex-lock.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { copySeedKnowledge, TEST_ADMIN_TOKEN } from "./support/test-server.js";

const LIBRARY_QUESTION = "月球图书馆的借书期限是多久";
const libraryPage = `---
title: 月球图书馆借书期限
category: 图书馆
---
月球图书馆的借书期限是四十五天，到期前可以在自助机上续借一次，续借期限为十五天。
`;

interface Replica {
  url: string;
  bot: LocalKnowledgeBot;
  server: BotServer;
}

let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let root: string;
let store: SqliteStateStore;
let replicas: Replica[] = [];

async function startReplica(indexDir: string): Promise<Replica> {
  const config = loadConfig({
    KNOWLEDGE_DIR: knowledge.knowledgeDir,
    INDEX_DIR: indexDir,
    DATA_DIR: path.join(root, "data"),
    PUBLIC_BASE_URL: "http://127.0.0.1:3000",
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: "silent",
    RATE_LIMIT_PER_MINUTE: "0",
  });
  const bot = await LocalKnowledgeBot.open(
    { knowledgeDir: knowledge.knowledgeDir, indexDir, embedder: { kind: "local", batchSize: 64 }, publicBaseUrl: config.publicBaseUrl },
    { buildIfMissing: true },
  );
  bot.useReplicaLocks(store);
  // The poll of CURRENT is off: only the announcement can make a replica switch.
  const server = createServer({ bot, config, logger: createLogger("silent"), store, indexPollMs: 0 });
  const { port } = await server.start({ host: "127.0.0.1", port: 0 });
  return { url: `http://127.0.0.1:${port}`, bot, server };
}

beforeAll(async () => {
  knowledge = await copySeedKnowledge();
  root = await mkdtemp(path.join(os.tmpdir(), "kb-announce-"));
  store = openSqliteStateStore({ dataDir: path.join(root, "data") });
  const indexDir = path.join(root, "index");
  replicas = [await startReplica(indexDir), await startReplica(indexDir)];
});

afterAll(async () => {
  for (const replica of replicas) {
    await replica.bot.close();
    await replica.server.close();
  }
  await store?.close();
  await rm(root, { recursive: true, force: true });
  await knowledge?.cleanup();
});

async function ask(url: string, question: string): Promise<{ noAnswer: boolean; citations: { title: string }[] }> {
  const response = await fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
  return (await response.json()) as { noAnswer: boolean; citations: { title: string }[] };
}

describe("index announcements", () => {
  it("a re-index on one replica is announced and the other switches to that version", async () => {
    const [first, second] = replicas as [Replica, Replica];
    const announced: string[] = [];
    const unlisten = await store.listen(INDEX_CHANNEL, (payload) => announced.push(payload));
    expect(second.bot.current.version).toBe(first.bot.current.version);
    expect((await ask(second.url, LIBRARY_QUESTION)).noAnswer).toBe(true);

    await writeFile(path.join(knowledge.knowledgeDir, "library.md"), libraryPage);
    const response = await fetch(`${first.url}/api/reindex`, { method: "POST", headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
    expect(response.status).toBe(200);
    const { version } = (await response.json()) as { version: string };
    expect(first.bot.current.version).toBe(version);

    await expect.poll(() => announced, { timeout: 10_000 }).toEqual([version]);
    await expect
      .poll(async () => ((await (await fetch(`${second.url}/healthz`)).json()) as { index: { version: string } }).index.version, { timeout: 10_000 })
      .toBe(version);
    const answer = await ask(second.url, LIBRARY_QUESTION);
    expect(answer.noAnswer).toBe(false);
    expect(answer.citations[0]!.title).toBe("月球图书馆借书期限");
    await unlisten();
  });
});
