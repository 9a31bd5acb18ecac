/**
 * An acknowledged WeCom self-built app message is answered exactly once, even when the server is
 * killed with SIGKILL mid-burst. The whole bot runs as its own process (SQLite state in DATA_DIR)
 * and answers through a local server speaking the WeCom API's wire format (gettoken, message/send);
 * the test plays WeCom: it posts sealed callbacks to /wecom/app, and after the restart posts every
 * one again (WeCom re-sends a callback whose response it did not get, with the same MsgId).
 *
 * As in the Telegram crash test, the kill comes while questions wait in the queue and sends are on
 * their way (held by the fake API, so they never reach "WeCom"), after every message the fake API
 * accepted has been recorded by the server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { STATE_FILE_NAME } from "../../src/state/sqlite-state-store.js";
import { killIfRunning, startBotProcess, type BotProcess } from "../support/bot-process.js";
import { createTestKnowledgeBot, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { APP_KEYS, postAppText, WEBHOOK_KEY, wecomEnvironment } from "../wecom/support/wecom-test-server.js";

const QUESTION = "亲情账户和家庭共济账户有什么区别";
const FIRST_ROUND = 80;
const SECOND_ROUND = 40;
const SENT_BEFORE_HOLD = 15;
const ACKNOWLEDGED_BEFORE_KILL = 10;

interface AppMessage {
  msgId: string;
  userId: string;
}

let root: string;
let indexDir: string;
let fakeApi: FakeWecomApi;
let bot: BotProcess | undefined;
let cleanupIndex: (() => Promise<void>) | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-wecom-crash-"));
  const knowledge = await createTestKnowledgeBot();
  await knowledge.bot.close();
  indexDir = knowledge.indexDir;
  cleanupIndex = knowledge.cleanup;
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
});

afterAll(async () => {
  await killIfRunning(bot);
  await fakeApi?.close();
  await cleanupIndex?.();
  if (root) await rm(root, { recursive: true, force: true });
});

function environment(): Record<string, string> {
  return {
    KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR,
    INDEX_DIR: indexDir,
    DATA_DIR: path.join(root, "data"),
    PUBLIC_BASE_URL: "http://127.0.0.1:3000",
    HOST: "127.0.0.1",
    PORT: "0",
    RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: "debug",
    ...wecomEnvironment(fakeApi.baseUrl),
  };
}

/** One callback as WeCom sends it: the status, or 0 when the call failed (the process is gone). */
async function deliver(url: string, message: AppMessage): Promise<number> {
  try {
    return (await postAppText(url, { userId: message.userId, content: QUESTION, msgId: message.msgId })).status;
  } catch {
    return 0;
  }
}

async function deliverAll(url: string, batch: AppMessage[], statuses: Map<string, number>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < batch.length) {
      const message = batch[next++]!;
      statuses.set(message.msgId, await deliver(url, message));
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** The message/send contents each user received, in order. */
function received(userId: string): string[] {
  return fakeApi.sentMessages.filter((call) => call.body.touser === userId).map((call) => (call.body.markdown as { content: string }).content);
}

it("answers every acknowledged app message exactly once across a SIGKILL mid-burst and a restart", async () => {
  const base = Date.now() * 100;
  const all: AppMessage[] = Array.from({ length: FIRST_ROUND + SECOND_ROUND }, (_, index) => ({ msgId: String(base + index), userId: `crash-user-${index}` }));
  const statuses = new Map<string, number>();

  bot = startBotProcess(environment(), root);
  const firstUrl = await bot.url;
  // The answer every user should get, message by message: the same question asked once, undisturbed.
  expect(await deliver(firstUrl, { msgId: String(base - 1), userId: "control-user" })).toBe(200);
  const control = await waitFor(() => bot!.linesSaying("wecom: app reply sent")[0], 30_000);
  const expected = received("control-user");
  expect(expected).toHaveLength(control.messages as number);

  const firstBurst = deliverAll(firstUrl, all.slice(0, FIRST_ROUND), statuses);
  await waitFor(() => (fakeApi.sentMessages.length >= expected.length + SENT_BEFORE_HOLD ? true : undefined), 60_000);
  fakeApi.holdSends();
  const dying = bot;
  // Every message the API accepted is recorded (the control's included), and more sends are on their way.
  await waitFor(
    () => (dying.linesSaying("wecom: app reply message sent").length >= fakeApi.sentMessages.length && fakeApi.heldSends() > 0 ? true : undefined),
    60_000,
  );
  const accepted = fakeApi.sentMessages.length;
  expect(dying.linesSaying("wecom: app reply message sent")).toHaveLength(accepted);
  await firstBurst;

  const secondRound = all.slice(FIRST_ROUND);
  const secondBurst = deliverAll(firstUrl, secondRound, statuses);
  await waitFor(() => (secondRound.filter((message) => statuses.get(message.msgId) === 200).length >= ACKNOWLEDGED_BEFORE_KILL ? true : undefined), 60_000);
  dying.child.kill("SIGKILL");
  expect((await dying.exited).signal).toBe("SIGKILL");
  await secondBurst;

  const acknowledged = all.filter((message) => statuses.get(message.msgId) === 200);
  const answeredInFull = all.filter((message) => received(message.userId).length === expected.length);
  expect(acknowledged.length).toBeGreaterThan(answeredInFull.length + ACKNOWLEDGED_BEFORE_KILL);
  await waitFor(() => (fakeApi.heldSends() === 0 ? true : undefined), 30_000);
  expect(fakeApi.droppedSends()).toBeGreaterThan(0);
  fakeApi.releaseSends();
  expect(fakeApi.sentMessages).toHaveLength(accepted);

  bot = startBotProcess(environment(), root);
  const secondUrl = await bot.url;
  const redelivered = new Map<string, number>();
  await deliverAll(secondUrl, all, redelivered);
  expect([...redelivered.values()].every((status) => status === 200)).toBe(true);
  await waitFor(() => (all.every((message) => received(message.userId).length >= expected.length) ? true : undefined), 120_000);

  bot.child.kill("SIGTERM");
  expect((await bot.exited).code).toBe(0);
  const wrong = all.filter((message) => JSON.stringify(received(message.userId)) !== JSON.stringify(expected));
  expect(wrong.map((message) => ({ userId: message.userId, messages: received(message.userId).length }))).toEqual([]);
  expect(fakeApi.refusedMessages).toEqual([]);
  const state = new Database(path.join(root, "data", STATE_FILE_NAME), { readonly: true });
  try {
    expect(state.prepare("SELECT count(*) AS n FROM pending_deliveries").get()).toEqual({ n: 0 });
  } finally {
    state.close();
  }
}, 300_000);
