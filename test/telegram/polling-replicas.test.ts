/**
 * Long polling on one replica at a time: two real adapters with the same bot token on one state
 * store (a real SQLite store in a temp folder) against the telegram-test-api emulator, which names
 * the replica behind each getUpdates. Only the lock holder polls; when it stops, the other takes
 * over and answers; a holder that loses the lock while nobody else can take it keeps polling.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Hono } from "hono";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POLLING_LOCK_NAME } from "../../adapters/telegram/polling-leader.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import type { HeldLock } from "../../src/state/state-store.js";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { createRealKnowledgeBot } from "./support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { waitFor } from "./support/wait-for.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const FOLLOW_UP_QUESTION = "五指山在哪个省";

let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let emulator: Emulator;
let dataDir: string;
let store: SqliteStateStore;
let harnesses: AdapterHarness[];

beforeAll(async () => {
  knowledge = await createRealKnowledgeBot();
});

afterAll(async () => {
  await knowledge?.cleanup();
});

beforeEach(async () => {
  emulator = await startEmulator();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-telegram-replicas-"));
  store = openSqliteStateStore({ dataDir });
  harnesses = [];
});

afterEach(async () => {
  for (const harness of harnesses) await harness.adapter.stop();
  await emulator.stop();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

function replica(name: string): AdapterHarness {
  const harness = createAdapterHarness({
    bot: knowledge.bot,
    apiRoot: emulator.apiRootFor(name),
    token: emulator.token,
    store,
    environment: { TELEGRAM_POLLING_RETRY_SECONDS: "0.2" },
  });
  harnesses.push(harness);
  return harness;
}

const pollsBy = (name: string) => emulator.getUpdatesCalls.filter((call) => call.via === name).length;

describe("telegram long polling across replicas", () => {
  it("polls on one replica only, and the other takes over when it stops", async () => {
    const first = replica("a");
    const second = replica("b");
    await first.adapter.start();
    await second.adapter.start();
    expect(second.logs).toContainEqual(expect.objectContaining({ msg: "another replica runs telegram long polling; waiting to take over" }));

    const client = emulator.client({ chatId: 901, userId: 901, type: "private" });
    await client.sendMessage(client.makeMessage(SEED_QUESTION));
    expect(await emulator.takeBotMessages(901)).toHaveLength(1);
    expect(pollsBy("a")).toBeGreaterThan(0);
    expect(pollsBy("b")).toBe(0);

    await first.adapter.stop();
    const pollsOfFirst = pollsBy("a");
    await waitFor(() => (pollsBy("b") > 0 ? true : undefined), 10_000);
    expect(second.logs).toContainEqual(expect.objectContaining({ msg: "telegram polling lock taken; long polling runs on this replica" }));

    await client.sendMessage(client.makeMessage(FOLLOW_UP_QUESTION));
    const [reply] = await emulator.takeBotMessages(901);
    expect(reply!.message.text).toContain("海南");
    // The stopped replica made no call since it stopped.
    expect(pollsBy("a")).toBe(pollsOfFirst);
    // Logged once the send has been answered, just after the emulator stored the message.
    await waitFor(() => second.logs.find((line) => line.msg === "telegram question answered" && line.chatId === 901));
  });

  it("keeps polling when the lock is lost with its store, and keeps trying for the lock", async () => {
    const holder = replica("a");
    await holder.adapter.start();
    expect(holder.logs).toContainEqual(expect.objectContaining({ msg: "telegram polling lock taken; long polling runs on this replica" }));
    // The lock is held: nobody else gets it.
    expect(await store.tryLock(POLLING_LOCK_NAME)).toBeUndefined();

    // Closing the store loses its locks, as a dropped connection does on PostgreSQL; nobody else can take the lock meanwhile.
    await store.close();
    await waitFor(() => holder.logs.find((line) => line.level === "warn" && line.msg.startsWith("telegram polling lock lost")), 10_000);
    await waitFor(() => holder.logs.find((line) => line.msg === "state store unreachable; telegram long polling goes on here without the lock"), 10_000);
    const client = emulator.client({ chatId: 903, userId: 903, type: "private" });
    await client.sendMessage(client.makeMessage(FOLLOW_UP_QUESTION));
    const [reply] = await emulator.takeBotMessages(903);
    expect(reply!.message.text).toContain("海南");
    expect(holder.logs.find((line) => line.msg === "telegram long polling stopped")).toBeUndefined();
  });

  it("after losing the lock, takes it again once it is free and polls again", async () => {
    let loseLock: (() => Promise<void>) | undefined;
    // The store's real lock, lost the way PostgreSQL loses one: the connection drops, which frees it too.
    const droppable = {
      async tryLock(name: string): Promise<HeldLock | undefined> {
        const held = await store.tryLock(name);
        if (!held) return undefined;
        const lost = new AbortController();
        loseLock = async () => {
          await held.release();
          lost.abort(new Error("connection terminated"));
        };
        return { lost: lost.signal, release: () => held.release() };
      },
    };
    const harness = createAdapterHarness({
      bot: knowledge.bot,
      apiRoot: emulator.apiRootFor("a"),
      token: emulator.token,
      // The real store for everything else (dedupe, feedback), with tryLock replaced.
      store: Object.assign(Object.create(store) as SqliteStateStore, droppable),
      environment: { TELEGRAM_POLLING_RETRY_SECONDS: "0.2" },
    });
    harnesses.push(harness);
    await harness.adapter.start();
    const taken = () => harness.logs.filter((line) => line.msg === "telegram polling lock taken; long polling runs on this replica").length;
    expect(taken()).toBe(1);

    await loseLock!();
    await waitFor(() => (taken() === 2 ? true : undefined), 10_000);
    // Nobody else held the lock, so polling went on through the loss.
    expect(harness.logs.find((line) => line.msg === "telegram long polling stopped")).toBeUndefined();
    const client = emulator.client({ chatId: 902, userId: 902, type: "private" });
    await client.sendMessage(client.makeMessage(SEED_QUESTION));
    expect(await emulator.takeBotMessages(902)).toHaveLength(1);
  });

  it("webhook mode takes no lock", async () => {
    const harness = createAdapterHarness({
      bot: knowledge.bot,
      apiRoot: emulator.apiRoot,
      token: emulator.token,
      store,
      environment: { TELEGRAM_WEBHOOK_URL: "http://127.0.0.1:9/telegram/webhook" },
    });
    harnesses.push(harness);
    harness.adapter.mount?.(new Hono());
    await harness.adapter.start();
    const lock = await store.tryLock(POLLING_LOCK_NAME);
    expect(lock).toBeDefined();
    await lock!.release();
    expect(emulator.getUpdatesCalls).toHaveLength(0);
  });
});
