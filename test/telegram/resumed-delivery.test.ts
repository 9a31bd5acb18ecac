/**
 * A long answer cut off after its first message is finished by the next process, from its second
 * message, without asking the question again: the prepared messages and the count sent are kept
 * in the state store (a real SQLite file) with the delivery. The first process dies the way a
 * crash looks from outside: its store goes away and the send it had on the way is cut.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createScriptedKnowledgeBot, longAnswer } from "../support/scripted-knowledge-bot.js";
import { createAdapterHarness } from "./support/adapter-harness.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { waitFor } from "./support/wait-for.js";

const answer = longAnswer(7, 1400);
const CHAT_ID = 531;

let emulator: Emulator;
let dataDir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-telegram-resumed-"));
});

afterAll(async () => {
  await emulator?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

it("sends the rest of a cut-off answer after the restart, each message once, the question asked once", async () => {
  const bot = createScriptedKnowledgeBot(() => answer);
  const firstStore = openSqliteStateStore({ dataDir });
  const first = createAdapterHarness({ bot, apiRoot: emulator.apiRoot, token: emulator.token, store: firstStore });
  await first.adapter.start();
  // The first message goes out and is counted; the second is on its way when the process dies.
  emulator.holdSends(1);
  const client = emulator.client({ chatId: CHAT_ID, userId: CHAT_ID, type: "private" });
  await client.sendMessage(client.makeMessage("家庭共济账户怎么用"));
  const questionId = emulator.lastUserMessageId();
  await waitFor(() => (emulator.heldSends() > 0 ? true : undefined), 60_000);
  expect(first.logs.filter((line) => line.msg === "telegram reply message sent").map((line) => line.partsDone)).toEqual([1]);
  await firstStore.close();
  emulator.cutHeldSends();
  emulator.releaseSends();

  const secondStore = openSqliteStateStore({ dataDir });
  const second = createAdapterHarness({ bot, apiRoot: emulator.apiRoot, token: emulator.token, store: secondStore });
  try {
    await second.adapter.start();
    const sent = await waitFor(() => {
      const messages = emulator.server.storage.botMessages.filter((update) => String(update.message.chat_id) === String(CHAT_ID));
      return messages.length >= 4 ? messages : undefined;
    }, 60_000);
    await second.adapter.stop();
    await first.adapter.stop();

    expect(emulator.server.storage.botMessages).toHaveLength(4);
    const order = sent.flatMap((update) => [...String(update.message.text).matchAll(/第(\d+)段：/g)].map((match) => Number(match[1])));
    expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(sent[0]!.message.reply_parameters?.message_id).toBe(questionId);
    expect(sent.slice(1).every((update) => update.message.reply_parameters === undefined)).toBe(true);
    expect(bot.queries).toHaveLength(1);
    expect(second.logs).toContainEqual(expect.objectContaining({ msg: "pending delivery taken over: its holder died or gave it back", sentParts: 1 }));
    expect(emulator.refusedMessages).toEqual([]);
  } finally {
    await second.adapter.stop();
    await first.adapter.stop();
    await secondStore.close();
  }
}, 180_000);
