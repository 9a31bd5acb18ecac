/**
 * An answer far over Telegram's 4,096-character limit reaches the emulator as several messages,
 * each accepted by the Telegram-like checks, in order, with the quote on the first and the source
 * buttons on the last. The knowledge bot is scripted here because the output must be this long.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { createScriptedKnowledgeBot, longAnswer } from "../support/scripted-knowledge-bot.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

let emulator: Emulator;
let harness: AdapterHarness;
const answer = longAnswer(7, 1400);

beforeAll(async () => {
  emulator = await startEmulator();
  harness = createAdapterHarness({ bot: createScriptedKnowledgeBot(() => answer), apiRoot: emulator.apiRoot, token: emulator.token });
  await harness.adapter.start();
});

afterAll(async () => {
  await harness?.adapter.stop();
  await emulator?.stop();
});

it("splits a long answer into valid messages of at most 4096 visible characters", async () => {
  const client = emulator.client({ chatId: 501, userId: 501, type: "private" });
  await client.sendMessage(client.makeMessage("家庭共济账户怎么用"));
  const questionId = emulator.lastUserMessageId();

  // Two 1,400-character paragraphs fit in one message, three do not: paragraph boundaries win.
  const expectedMessages = 4;
  const updates = await emulator.takeBotMessages(501, expectedMessages);
  expect(await emulator.botMessagesAfter(501, 300)).toEqual([]);
  expect(emulator.refusedMessages).toEqual([]);

  const texts = updates.map((update) => {
    const parsed = parseTelegramHtml(update.message.text);
    if (!parsed.ok) throw new Error(parsed.description);
    expect(parsed.visibleText.length).toBeLessThanOrEqual(4096);
    return parsed.visibleText;
  });
  const joined = texts.join("\n\n");
  for (let paragraph = 1; paragraph <= 7; paragraph += 1) expect(joined).toContain(`第${paragraph}段：`);
  // Order is kept: paragraph numbers only go up across messages.
  const order = [...joined.matchAll(/第(\d+)段：/g)].map((match) => Number(match[1]));
  expect(order).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(joined).toContain("<且>要先授权&备案");

  expect(updates[0].message.reply_parameters?.message_id).toBe(questionId);
  expect(updates.slice(1).every((update) => update.message.reply_parameters === undefined)).toBe(true);
  expect(updates.slice(0, -1).every((update) => update.message.reply_markup === undefined)).toBe(true);
  const lastMarkup = updates[updates.length - 1].message.reply_markup as { inline_keyboard: { url: string }[][] };
  expect(lastMarkup.inline_keyboard.flat().map((button) => button.url)).toEqual(answer.citations.map((citation) => citation.url));
});
