/**
 * Feedback on Telegram: every answer carries 👍 / 👎 buttons; a press is a callback_query the bot
 * records as that user's one vote on that answer (changeable) and acknowledges with "谢谢反馈".
 * The real adapter polls the telegram-test-api emulator, with a real state store in a temp folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { createRealKnowledgeBot } from "./support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { waitFor } from "./support/wait-for.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";

let emulator: Emulator;
let harness: AdapterHarness;
let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let dataDir: string;
let store: SqliteStateStore;

beforeAll(async () => {
  emulator = await startEmulator();
  knowledge = await createRealKnowledgeBot();
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-telegram-feedback-"));
  store = openSqliteStateStore({ dataDir });
  harness = createAdapterHarness({ bot: knowledge.bot, apiRoot: emulator.apiRoot, token: emulator.token, store });
  await harness.adapter.start();
});

afterAll(async () => {
  await harness?.adapter.stop();
  await emulator?.stop();
  await knowledge?.cleanup();
  await store?.close();
  await rm(dataDir, { recursive: true, force: true });
});

interface Button {
  text: string;
  url?: string;
  callback_data?: string;
}

describe("feedback buttons on Telegram", () => {
  it("shows 👍 / 👎 under the answer and records a press as the user's changeable vote", async () => {
    const client = emulator.client({ chatId: 801, userId: 801, type: "private" });
    await client.sendMessage(client.makeMessage(SEED_QUESTION));
    const [update] = await emulator.takeBotMessages(801);
    const keyboard = (update!.message.reply_markup as { inline_keyboard: Button[][] }).inline_keyboard;
    const feedbackRow = keyboard.at(-1)!;
    expect(feedbackRow.map((button) => button.text)).toEqual(["👍", "👎"]);
    const [up, down] = feedbackRow.map((button) => button.callback_data!);
    expect(up).toMatch(/^fb:up:[0-9a-f-]{36}$/);
    const answerId = up!.slice("fb:up:".length);
    expect(down).toBe(`fb:down:${answerId}`);
    expect(await store.findAnswer(answerId)).toMatchObject({ platform: "telegram", answered: true });

    await client.sendCallback(client.makeCallbackQuery(up!));
    await waitFor(() => emulator.callbackAnswers[0]);
    expect(emulator.callbackAnswers[0]!.text).toBe(REPLY_TEXTS.feedbackThanks);
    let [group] = await store.listQuestions({ filter: "all", days: 1 });
    expect(group).toMatchObject({ count: 1, upvotes: 1, downvotes: 0, platforms: ["telegram"] });

    // The same user changes their mind: still one vote, now down.
    await client.sendCallback(client.makeCallbackQuery(down!));
    await waitFor(() => emulator.callbackAnswers[1]);
    [group] = await store.listQuestions({ filter: "downvoted", days: 1 });
    expect(group).toMatchObject({ upvotes: 0, downvotes: 1 });
  });

  it("a press naming an answer the log does not hold is acknowledged, and nothing is recorded", async () => {
    const client = emulator.client({ chatId: 802, userId: 802, type: "private" });
    const before = emulator.callbackAnswers.length;
    await client.sendCallback(client.makeCallbackQuery("fb:up:00000000-0000-4000-8000-000000000000"));
    await waitFor(() => emulator.callbackAnswers[before]);
    expect(emulator.callbackAnswers.at(-1)!.text).toBe(REPLY_TEXTS.feedbackUnknown);
  });
});
