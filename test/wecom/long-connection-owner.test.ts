/**
 * One long connection among replicas: two real adapters share one SQLite state store (its lock is
 * the one PostgreSQL replicas share as an advisory lock). One holds the connection and the other
 * stands by; when the holder stops, the other takes over. /healthz and the admin overview show the
 * state. A replica that another instance outside the store replaces stops for good and gives the
 * lock up without dialling again.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { openLongConnection } from "../../adapters/wecom/long-connection/connection.js";
import { LONG_CONNECTION_LOCK_NAME, startLongConnectionOwner } from "../../adapters/wecom/long-connection/long-connection-owner.js";
import { startFakeLongConnectionServer, type FakeLongConnectionServer } from "../../adapters/wecom/testing/fake-long-connection-server.js";
import { loadConfig } from "../../src/config.js";
import type { ChatAdapter } from "../../src/core/chat-adapter.js";
import { createLogger } from "../../src/core/logger.js";
import { createServer } from "../../src/server/create-server.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import type { HeldLock, StateHealth } from "../../src/state/state-store.js";
import { ADMIN_TEST_TOKEN, logInToConsole } from "../support/admin-server.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { SEED_KNOWLEDGE_DIR, createTestKnowledgeBot } from "../support/test-knowledge-bot.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { createLongConnectionAdapter, startLongConnectionAdapter, type LongConnectionAdapter } from "./support/long-connection-adapter.js";
import { LONG_CONNECTION_KEYS, recordingLogger, textMessage } from "./support/long-connection-harness.js";

const RETRY_MS = 50;
const bot = createScriptedKnowledgeBot(() => cannedAnswer());

let server: FakeLongConnectionServer;
let dataDir: string;
let store: SqliteStateStore;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  server = await startFakeLongConnectionServer(LONG_CONNECTION_KEYS);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-wecom-owner-"));
  store = openSqliteStateStore({ dataDir });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await store.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function startReplica(): Promise<LongConnectionAdapter> {
  const replica = await startLongConnectionAdapter({ bot, url: server.url, store, adapterOptions: { longConnectionRetryMs: RETRY_MS } });
  cleanups.push(() => replica.adapter.stop());
  return replica;
}

/** The bot's HTTP server (with the admin console and the store) serving and starting `adapter`, as main.ts wires it. */
async function startServerWith(adapter: ChatAdapter): Promise<{ url: string; close(): Promise<void> }> {
  const knowledge = await createTestKnowledgeBot();
  const config = loadConfig({
    KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR,
    INDEX_DIR: knowledge.indexDir,
    DATA_DIR: dataDir,
    PUBLIC_BASE_URL: "http://127.0.0.1:3000",
    ADMIN_TOKEN: ADMIN_TEST_TOKEN,
    RATE_LIMIT_PER_MINUTE: "0",
  });
  const web = createServer({ bot: knowledge.bot, config, logger: createLogger("silent"), store, adapters: [adapter], indexPollMs: 0 });
  const { port } = await web.start({ host: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await web.close();
      await knowledge.cleanup();
    },
  };
}

function stateBecomes(replica: LongConnectionAdapter, state: string) {
  return waitFor(() => (replica.state() === state ? true : undefined));
}

it("lets one replica hold the connection while the other stands by, and hands it over when the holder stops; /healthz and the overview show it", async () => {
  const first = createLongConnectionAdapter({ bot, url: server.url, store, adapterOptions: { longConnectionRetryMs: RETRY_MS } });
  const web = await startServerWith(first.adapter);
  let webClosed = false;
  cleanups.push(() => (webClosed ? Promise.resolve() : web.close()));
  await stateBecomes(first, "connected");

  const second = await startReplica();
  expect(second.state()).toBe("standby");
  // Several of its tries for the lock pass without a second connection.
  await waitFor(() => second.lines.find((line) => line.msg === "another replica holds the wecom long connection; waiting to take over"));
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 4));
  expect(server.connectionCount).toBe(1);
  expect(second.state()).toBe("standby");

  const health = (await (await fetch(`${web.url}/healthz`)).json()) as { connections: Record<string, { state: string; since: string }> };
  expect(health.connections["wecom-long-connection"]).toMatchObject({ state: "connected" });
  expect(Number.isNaN(Date.parse(health.connections["wecom-long-connection"]!.since))).toBe(false);
  const { cookie } = await logInToConsole(web.url);
  const overview = await (await fetch(`${web.url}/admin`, { headers: { cookie } })).text();
  expect(overview).toContain('data-connection="wecom-long-connection" data-state="connected"');

  webClosed = true;
  await web.close();
  expect(first.state()).toBe("stopped");
  await stateBecomes(second, "connected");
  expect(server.subscribed).toBe(2);
  expect(second.lines).toContainEqual(expect.objectContaining({ msg: "wecom long-connection lock taken; the long connection runs on this replica" }));

  const requestId = server.pushMessage(textMessage({ userId: "u1", content: "亲情账户怎么开通" }));
  await waitFor(() => (server.repliesTo(requestId).length === 2 ? true : undefined));
  expect(server.acks.some((ack) => ack.errcode !== 0)).toBe(false);
});

it("stops for good when an instance outside the store takes the bot, gives the lock up and does not dial again", async () => {
  const replica = await startReplica();
  await stateBecomes(replica, "connected");

  const outsider = openLongConnection({
    url: server.url,
    ...LONG_CONNECTION_KEYS,
    logger: createLogger("silent"),
    handlers: { onMessage: () => undefined, onEvent: () => undefined },
  });
  cleanups.push(() => outsider.stop());
  await stateBecomes(replica, "replaced");
  expect(replica.adapter.connections?.()["wecom-long-connection"]?.detail).toContain("disconnected_event");
  expect(replica.lines.some((line) => line.level === "warn" && line.msg.includes("another instance subscribed with this bot"))).toBe(true);

  // The lock is free again and stays free: the replaced replica no longer tries for it.
  await waitFor(() => (server.subscribed === 2 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 4));
  const lock = await store.tryLock(LONG_CONNECTION_LOCK_NAME);
  expect(lock).toBeDefined();
  await lock!.release();
  expect(server.connectionCount).toBe(2);
  expect(replica.state()).toBe("replaced");
});

it("goes back to waiting, not to a final stop, when replaced after losing the lock with its database, and dials again once the lock is free", async () => {
  // The lock source of a store whose database goes away and comes back (as in test/telegram/polling-leader.test.ts).
  let answer: "free" | "unreachable" | "elsewhere" = "free";
  const lost = new AbortController();
  const locks = {
    health: (): StateHealth => ({ dialect: "postgres", state: answer === "unreachable" ? "degraded" : "ok" }),
    async tryLock(): Promise<HeldLock | undefined> {
      if (answer === "unreachable") throw new Error("connect ECONNREFUSED 127.0.0.1:9");
      if (answer === "elsewhere") return undefined;
      return { lost: lost.signal, release: async () => undefined };
    },
  };
  const { logger, lines } = recordingLogger();
  const owner = startLongConnectionOwner({
    config: { ...LONG_CONNECTION_KEYS, url: server.url },
    locks,
    logger,
    retryMs: RETRY_MS,
    createHandlers: () => ({ onMessage: () => undefined, onEvent: () => undefined }),
  });
  cleanups.push(() => owner.stop());
  await waitFor(() => (owner.state().state === "connected" ? true : undefined));

  // The database goes away with the lock; the connection stays up meanwhile.
  answer = "unreachable";
  lost.abort(new Error("Connection terminated"));
  await waitFor(() => lines.find((line) => line.msg.startsWith("wecom long-connection lock lost")));
  expect(owner.state().state).toBe("connected");

  // The replica that took the lock subscribes: this one steps back and does not dial while the store is away.
  const other = openLongConnection({
    url: server.url,
    ...LONG_CONNECTION_KEYS,
    logger: createLogger("silent"),
    handlers: { onMessage: () => undefined, onEvent: () => undefined },
  });
  cleanups.push(() => other.stop());
  await waitFor(() => (owner.state().state === "standby" ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, RETRY_MS * 4));
  expect(owner.state().state).toBe("standby");
  expect(server.connectionCount).toBe(2);
  expect(server.subscribed).toBe(2);

  // The other replica lets the lock go: this one takes it and dials again.
  await other.stop();
  answer = "free";
  await waitFor(() => (owner.state().state === "connected" ? true : undefined));
  expect(server.connectionCount).toBe(3);
});

it("turns /healthz and the overview degraded while the long connection is down, and back to ok once it is up again", async () => {
  const replica = createLongConnectionAdapter({ bot, url: server.url, store, adapterOptions: { longConnectionRetryMs: RETRY_MS } });
  const web = await startServerWith(replica.adapter);
  cleanups.push(() => web.close());
  await stateBecomes(replica, "connected");
  const healthOf = async () =>
    (await (await fetch(`${web.url}/healthz`)).json()) as { status: string; connections: Record<string, { state: string; degraded: boolean }> };
  expect(await healthOf()).toMatchObject({ status: "ok", connections: { "wecom-long-connection": { state: "connected", degraded: false } } });

  // WeCom goes away: the connection drops and every new dial is refused.
  server.refuseConnections = true;
  server.dropConnection();
  await stateBecomes(replica, "reconnecting");
  expect(await healthOf()).toMatchObject({ status: "degraded", connections: { "wecom-long-connection": { state: "reconnecting", degraded: true } } });
  const { cookie } = await logInToConsole(web.url);
  const overview = await (await fetch(`${web.url}/admin`, { headers: { cookie } })).text();
  expect(overview).toContain('data-connection="wecom-long-connection" data-state="reconnecting" class="degraded"');
  expect(overview).toContain('id="adapters-degraded"');

  server.refuseConnections = false;
  await stateBecomes(replica, "connected");
  expect((await healthOf()).status).toBe("ok");
});
