/**
 * Pending Telegram deliveries left by a replica killed with SIGKILL are taken over by the live
 * replicas sharing its PostgreSQL, once its leases lapse, and answered exactly once even with two
 * live replicas looking for them at the same time. The dead replica is a process of its own, in
 * webhook mode against the telegram-test-api emulator; the live ones are whole bots in this process,
 * each with its own store on the same database. The kill comes while answers wait in the dead
 * replica's queue and its sends are on their way (held by the emulator, so they never reach
 * "Telegram"), after every message the emulator accepted was recorded in the store.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBot, type RunningBot } from "../../src/main.js";
import { killIfRunning, startBotProcess, type BotProcess } from "../support/bot-process.js";
import { createTestKnowledgeBot, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { startEmulator, type Emulator } from "../telegram/support/telegram-emulator.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { answersPerUpdate, burstUpdates, deliverAll } from "../telegram/support/webhook-burst.js";
import { useTestDatabase } from "./support/test-database.js";

const database = useTestDatabase();

const SECRET = "takeover-test-secret";
const QUESTIONS = ["五指山在哪个省", "亲情账户和家庭共济账户有什么区别", "宝宝湿疹怎么护理"];
const CHATS = 60;
const ROUNDS = 2;
const ANSWERED_BEFORE_HOLD = 20;
/** Short, so the takeover comes soon; the dead replica's heartbeat renewed it every 1.7 s. */
const LEASE_SECONDS = "5";

let root: string;
let indexDir: string;
let emulator: Emulator;
let dead: BotProcess | undefined;
const live: RunningBot[] = [];
let cleanupIndex: (() => Promise<void>) | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-delivery-takeover-"));
  const knowledge = await createTestKnowledgeBot();
  await knowledge.bot.close();
  indexDir = knowledge.indexDir;
  cleanupIndex = knowledge.cleanup;
  emulator = await startEmulator();
});

afterAll(async () => {
  await killIfRunning(dead);
  for (const replica of live) await replica.stop();
  await emulator?.stop();
  await cleanupIndex?.();
  if (root) await rm(root, { recursive: true, force: true });
});

function environment(name: string): Record<string, string> {
  return {
    KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR,
    INDEX_DIR: indexDir,
    DATA_DIR: path.join(root, `data-${name}`),
    DATABASE_URL: database.get().url,
    PUBLIC_BASE_URL: "http://127.0.0.1:3000",
    HOST: "127.0.0.1",
    PORT: "0",
    RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: name === "dead" ? "info" : "silent",
    DELIVERY_LEASE_SECONDS: LEASE_SECONDS,
    TELEGRAM_BOT_TOKEN: emulator.token,
    // The emulator tells the dead replica's calls apart from the live ones'.
    TELEGRAM_API_ROOT: emulator.apiRootFor(name),
    // Any replica serves the webhook; only the path matters here, the test posts to each replica's own URL.
    TELEGRAM_WEBHOOK_URL: "https://bot.example.org/telegram/webhook",
    TELEGRAM_WEBHOOK_SECRET: SECRET,
  };
}

it("a dead replica's acknowledged updates are answered once by the live replicas", async () => {
  const all = burstUpdates({ chats: CHATS, rounds: ROUNDS, questions: QUESTIONS, firstUpdateId: 8_000_000, firstChatId: 92_000 });
  live.push(await startBot({ environment: environment("b"), handleSignals: false }));
  live.push(await startBot({ environment: environment("c"), handleSignals: false }));
  dead = startBotProcess(environment("dead"), root);
  const deadUrl = await dead.url;

  const statuses = new Map<number, number>();
  const burst = deliverAll(() => deadUrl, SECRET, all, statuses);
  await waitFor(() => (emulator.server.storage.botMessages.length >= ANSWERED_BEFORE_HOLD ? true : undefined), 60_000);
  emulator.holdSends();
  const dying = dead;
  // Every message sent is recorded in the store (by whichever replica sent it: a live one may have
  // taken a delivery over if the dead one stalled past its lease on a loaded machine).
  const recorded = async () =>
    (
      await database
        .get()
        .admin.query<{ n: number }>(
          "SELECT ((SELECT coalesce(sum(sent_parts), 0) FROM pending_deliveries) + (SELECT count(*) FROM dedupe WHERE kind = 'telegram-update'))::int AS n",
        )
    ).rows[0]!.n;
  // A send already past the hold when it began is still stored: the count settles once a later send is held.
  for (let checks = 0; (await recorded()) < emulator.server.storage.botMessages.length || emulator.heldSends("dead") === 0; checks++) {
    if (checks > 3000) throw new Error(`${await recorded()} of ${emulator.server.storage.botMessages.length} sent messages recorded`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // Each answer is one message: what the store counts as sent is what the emulator accepted.
  const accepted = emulator.server.storage.botMessages.length;
  expect(await recorded()).toBe(accepted);
  await burst;
  dying.child.kill("SIGKILL");
  expect((await dying.exited).signal).toBe("SIGKILL");

  const acknowledged = all.filter((update) => statuses.get(update.updateId) === 200);
  expect(acknowledged).toHaveLength(all.length);
  // Left pending by the dead replica: everything acknowledged and not yet sent (and perhaps a sent one not yet marked answered).
  const { rows } = await database.get().admin.query<{ unsent: number }>("SELECT count(*) FILTER (WHERE sent_parts = 0)::int AS unsent FROM pending_deliveries");
  expect(rows[0]!.unsent).toBe(all.length - accepted);
  // The dead replica's held sends are dropped as their connections close.
  await waitFor(() => (emulator.heldSends("dead") === 0 ? true : undefined), 30_000);
  expect(emulator.droppedSends()).toBeGreaterThan(0);
  emulator.releaseSends();

  // Both live replicas look for lapsed leases; between them each delivery is answered once.
  await waitFor(() => ([...answersPerUpdate(emulator, all).values()].every((count) => count >= 1) ? true : undefined), 120_000);
  // Telegram delivering some of them again, to either live replica, changes nothing.
  const redelivered = new Map<number, number>();
  await deliverAll((update) => live[update.updateId % 2]!.url, SECRET, all, redelivered);
  expect([...redelivered.values()].every((status) => status === 200)).toBe(true);
  for (const replica of live.splice(0)) await replica.stop();

  const counts = answersPerUpdate(emulator, all);
  expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
  expect(emulator.server.storage.botMessages).toHaveLength(all.length);
  const left = await database.get().admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pending_deliveries");
  expect(left.rows[0]!.n).toBe(0);
}, 300_000);
