/**
 * Telegram long polling through a PostgreSQL outage (a cluster of this file's own, stopped and
 * started again), against the telegram-test-api emulator, each replica on a store of its own over
 * one database. The outage takes the "telegram-polling" advisory lock from its holder; the holder
 * keeps polling and answering, while a replica that waited for the lock keeps waiting, so each
 * message is answered once; once the server is back the holder takes the lock again. A replica
 * started while the server is down polls too, and holds the lock once the server answers.
 */
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { POLLING_LOCK_NAME } from "../../adapters/telegram/polling-leader.js";
import { advisoryLockKey } from "../../src/state/postgres-coordination.js";
import { openPostgresStateStore, type PostgresStateStore } from "../../src/state/postgres-state-store.js";
import { createAdapterHarness, type AdapterHarness } from "../telegram/support/adapter-harness.js";
import { createRealKnowledgeBot } from "../telegram/support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "../telegram/support/telegram-emulator.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { startPostgresCluster, type PostgresCluster } from "./support/postgres-cluster.js";
import { capturedLogger } from "./support/test-database.js";

const TAKEN = "telegram polling lock taken; long polling runs on this replica";
const LOST = "telegram polling lock lost; polling goes on here while the lock is tried again";
const QUESTION = "五指山在哪个省";

let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let cluster: PostgresCluster;
let emulator: Emulator;
let databaseUrl: string;
let stores: PostgresStateStore[];
let harnesses: AdapterHarness[];

beforeAll(async () => {
  knowledge = await createRealKnowledgeBot();
  cluster = await startPostgresCluster();
});

afterAll(async () => {
  await cluster?.remove();
  await knowledge?.cleanup();
});

beforeEach(async () => {
  emulator = await startEmulator();
  // Advisory locks belong to one database: each test gets its own lock.
  databaseUrl = await cluster.createDatabase();
  stores = [];
  harnesses = [];
});

afterEach(async () => {
  for (const harness of harnesses) await harness.adapter.stop();
  for (const store of stores) await store.close();
  await emulator.stop();
  // A test that failed mid-outage leaves the server stopped; the next one needs it.
  await cluster.start().catch(() => undefined);
});

async function replica(name: string, retrySeconds: string): Promise<AdapterHarness> {
  const store = await openPostgresStateStore({
    databaseUrl,
    logger: capturedLogger().logger,
    lockHeartbeatMs: 200,
    probeIntervalMs: 200,
    connectTimeoutMs: 1000,
  });
  stores.push(store);
  const harness = createAdapterHarness({
    bot: knowledge.bot,
    apiRoot: emulator.apiRootFor(name),
    token: emulator.token,
    store,
    environment: { TELEGRAM_POLLING_RETRY_SECONDS: retrySeconds },
  });
  harnesses.push(harness);
  return harness;
}

const pollsBy = (name: string) => emulator.getUpdatesCalls.filter((call) => call.via === name).length;
const count = (harness: AdapterHarness, message: string) => harness.logs.filter((line) => line.msg === message).length;

/** Server process ids of the sessions holding the polling lock in the test's database. */
async function lockHolders(): Promise<number[]> {
  const key = BigInt(advisoryLockKey(POLLING_LOCK_NAME));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND objid::bigint = $2
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [Number((key >> 32n) & 0xffffffffn), Number(key & 0xffffffffn)],
    );
    return rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

async function waitForLockHeld(): Promise<void> {
  for (const deadline = Date.now() + 20_000; ;) {
    const holders = await lockHolders().catch(() => []);
    if (holders.length === 1) return;
    if (Date.now() > deadline) throw new Error(`the polling lock is held by ${holders.length} sessions`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Sends `question` to `chatId`, expects one answer naming 海南 and no second one. */
async function answeredOnce(chatId: number, question = QUESTION): Promise<void> {
  const client = emulator.client({ chatId, userId: chatId, type: "private" });
  await client.sendMessage(client.makeMessage(question));
  const [reply] = await emulator.takeBotMessages(chatId, 1, 20_000);
  expect(reply!.message.text).toContain("海南");
  expect(await emulator.botMessagesAfter(chatId, 1000)).toEqual([]);
}

it("a polling replica keeps answering while the server is down, and holds the lock again once it is back", async () => {
  const holder = await replica("a", "0.2");
  await holder.adapter.start();
  expect(count(holder, TAKEN)).toBe(1);
  await waitForLockHeld();

  await cluster.stop();
  await waitFor(() => holder.logs.find((line) => line.msg === LOST), 10_000);
  await answeredOnce(931);
  expect(holder.logs.find((line) => line.msg === "telegram long polling stopped")).toBeUndefined();

  await cluster.start();
  await waitFor(() => (count(holder, TAKEN) === 2 ? true : undefined), 20_000);
  await waitForLockHeld();
  // A store of another replica cannot take it: this replica's session holds it.
  const other = await openPostgresStateStore({ databaseUrl, logger: capturedLogger().logger });
  stores.push(other);
  expect(await other.tryLock(POLLING_LOCK_NAME)).toBeUndefined();
  await answeredOnce(931);
});

it("with two replicas, one keeps answering through the outage and one polls after it", async () => {
  // The waiting replica keeps a normal retry, slower than the holder's tries during an outage.
  const first = await replica("a", "3");
  const second = await replica("b", "3");
  await first.adapter.start();
  await second.adapter.start();
  expect(second.logs).toContainEqual(expect.objectContaining({ msg: "another replica runs telegram long polling; waiting to take over" }));
  await waitForLockHeld();

  await cluster.stop();
  await waitFor(() => first.logs.find((line) => line.msg === LOST), 10_000);
  await answeredOnce(932);
  await answeredOnce(933);
  // The waiting replica saw the lock held by the other before the outage, so it does not poll without it.
  await waitFor(() => second.logs.find((line) => line.msg.startsWith("telegram polling lock unavailable")), 10_000);
  expect(pollsBy("b")).toBe(0);

  await cluster.start();
  await waitForLockHeld();
  // The old holder takes the lock back, or, if the other replica reached it first, stops at its next try.
  await waitFor(
    () => (count(first, TAKEN) === 2 || count(first, "another replica holds the telegram polling lock; polling stopped here") === 1 ? true : undefined),
    20_000,
  );
  const firstPolls = count(first, TAKEN) === 2;
  const secondPolls = count(second, TAKEN) === 1;
  expect([firstPolls, secondPolls]).toContainEqual(true);
  expect(firstPolls && secondPolls).toBe(false);
  if (firstPolls) expect(pollsBy("b")).toBe(0);
  await answeredOnce(934);
});

it("a replica started while the server is down polls anyway, and holds the lock once the server answers", async () => {
  await cluster.stop();
  const lone = await replica("a", "0.2");
  await lone.adapter.start();
  expect(lone.logs).toContainEqual(
    expect.objectContaining({ msg: "state store unreachable; telegram long polling runs on this replica without the lock until the store answers" }),
  );
  await answeredOnce(935);

  await cluster.start();
  await waitFor(() => (count(lone, TAKEN) === 1 ? true : undefined), 20_000);
  await waitForLockHeld();
  await answeredOnce(935);
});
