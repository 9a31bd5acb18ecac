/**
 * Telegram long polling across replicas on PostgreSQL: two real adapters with one bot token, each on
 * a store of its own (its own connections, as two processes have) over one database, against the
 * telegram-test-api emulator. Only the holder of the `telegram-polling` advisory lock polls; when its
 * database session dies (pg_terminate_backend, as when its process is killed), the lock is free at
 * once and the other replica takes over and answers.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { POLLING_LOCK_NAME } from "../../adapters/telegram/polling-leader.js";
import { advisoryLockKey } from "../../src/state/postgres-coordination.js";
import { openPostgresStateStore, type PostgresStateStore } from "../../src/state/postgres-state-store.js";
import { createAdapterHarness, type AdapterHarness } from "../telegram/support/adapter-harness.js";
import { createRealKnowledgeBot } from "../telegram/support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "../telegram/support/telegram-emulator.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { capturedLogger, useTestDatabase } from "./support/test-database.js";

const database = useTestDatabase();
let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let emulator: Emulator;
const stores: PostgresStateStore[] = [];
const harnesses: AdapterHarness[] = [];

beforeAll(async () => {
  knowledge = await createRealKnowledgeBot();
  emulator = await startEmulator();
});

afterAll(async () => {
  for (const harness of harnesses) await harness.adapter.stop();
  for (const store of stores) await store.close();
  await emulator?.stop();
  await knowledge?.cleanup();
});

async function replica(name: string): Promise<AdapterHarness> {
  const store = await openPostgresStateStore({ databaseUrl: database.get().url, logger: capturedLogger().logger, lockHeartbeatMs: 200 });
  stores.push(store);
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

it("polls on the lock holder only; when its database session is killed the other replica takes over and answers", async () => {
  const first = await replica("a");
  const second = await replica("b");
  await first.adapter.start();
  await second.adapter.start();
  expect(second.logs).toContainEqual(expect.objectContaining({ msg: "another replica runs telegram long polling; waiting to take over" }));

  const client = emulator.client({ chatId: 911, userId: 911, type: "private" });
  await client.sendMessage(client.makeMessage("亲情账户和家庭共济账户有什么区别"));
  expect(await emulator.takeBotMessages(911)).toHaveLength(1);
  expect(pollsBy("a")).toBeGreaterThan(0);
  expect(pollsBy("b")).toBe(0);

  // The session holding the polling lock dies, as it does with its process.
  const key = BigInt(advisoryLockKey(POLLING_LOCK_NAME));
  const lockHolders = `FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND objid::bigint = $2`;
  const keyParts = [Number((key >> 32n) & 0xffffffffn), Number(key & 0xffffffffn)];
  const { rows } = await database.get().admin.query<{ killed: boolean }>(`SELECT pg_terminate_backend(pid) AS killed ${lockHolders}`, keyParts);
  expect(rows).toEqual([{ killed: true }]);
  // PostgreSQL frees the lock with the session, before anyone releases it.
  for (const deadline = Date.now() + 10_000; (await database.get().admin.query(`SELECT 1 ${lockHolders}`, keyParts)).rowCount !== 0;) {
    if (Date.now() > deadline) throw new Error("the killed session's lock is still held");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // A killed process tries nothing more; stopping the adapter stands for that (its lock went with the session).
  await first.adapter.stop();
  await waitFor(() => (pollsBy("b") > 0 ? true : undefined), 10_000);
  expect(second.logs).toContainEqual(expect.objectContaining({ msg: "telegram polling lock taken; long polling runs on this replica" }));

  await client.sendMessage(client.makeMessage("五指山在哪个省"));
  const [reply] = await emulator.takeBotMessages(911);
  expect(reply!.message.text).toContain("海南");
});
