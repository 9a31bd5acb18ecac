/**
 * Follow-up questions end to end on Telegram: the real adapter polling the telegram-test-api
 * emulator, the shared responder keeping each conversation, and the real knowledge bot over an
 * index of the shipped knowledge/ page. "那吉林呢？" alone finds nothing; after the 江苏医保卡
 * question it is answered about 吉林, and the reply says how it was understood.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { createRealKnowledgeBot } from "./support/real-knowledge-bot.js";
import { startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

const FIRST_QUESTION = "江苏省内医保卡可以异地使用吗";
const FOLLOW_UP = "那吉林呢？";
const UNDERSTOOD = REPLY_TEXTS.understoodAs("吉林省内医保卡可以异地使用吗");

let emulator: Emulator;
let harness: AdapterHarness;
let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;

beforeAll(async () => {
  emulator = await startEmulator();
  knowledge = await createRealKnowledgeBot();
  harness = createAdapterHarness({ bot: knowledge.bot, apiRoot: emulator.apiRoot, token: emulator.token });
  await harness.adapter.start();
});

afterEach(() => {
  expect(emulator.refusedMessages).toEqual([]);
});

afterAll(async () => {
  await harness?.adapter.stop();
  await emulator?.stop();
  await knowledge?.cleanup();
});

async function replyText(chatId: number): Promise<string> {
  const [update] = await emulator.takeBotMessages(chatId);
  const parsed = parseTelegramHtml(update.message.text);
  if (!parsed.ok) throw new Error(parsed.description);
  return parsed.visibleText;
}

/** The source list of a reply: the lines after the sources heading. */
function citedTitles(visibleText: string): string[] {
  const [, sources = ""] = visibleText.split(`${REPLY_TEXTS.sourcesHeading}\n`);
  return [...sources.matchAll(/^\[\d+\] (.+)$/gm)].map((match) => match[1]!);
}

function mentioning(text: string) {
  const mention = "@TestNameBot";
  return { text: `${mention} ${text}`, entities: [{ type: "mention", offset: 0, length: mention.length }] };
}

describe("follow-ups on Telegram", () => {
  it("answers '那吉林呢？' after the 江苏医保卡 question about 吉林, showing how it was understood", async () => {
    const client = emulator.client({ chatId: 701, userId: 701, type: "private" });
    await client.sendMessage(client.makeMessage(FIRST_QUESTION));
    expect(citedTitles(await replyText(701))).toContain(FIRST_QUESTION);

    await client.sendMessage(client.makeMessage(FOLLOW_UP));
    const followUp = await replyText(701);
    expect(followUp.startsWith(UNDERSTOOD)).toBe(true);
    const titles = citedTitles(followUp);
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.every((title) => title.includes("吉林"))).toBe(true);
  });

  it("the same follow-up with no earlier question finds nothing", async () => {
    const client = emulator.client({ chatId: 702, userId: 702, type: "private" });
    await client.sendMessage(client.makeMessage(FOLLOW_UP));
    const alone = await replyText(702);
    expect(alone).not.toContain("按「");
    expect(citedTitles(alone)).toEqual([]);
  });

  it("in a group each member's questions form their own conversation", async () => {
    const asker = emulator.client({ chatId: -7001, userId: 11, type: "supergroup", chatTitle: "医保交流群" });
    const neighbour = emulator.client({ chatId: -7001, userId: 12, type: "supergroup", chatTitle: "医保交流群" });
    const first = mentioning(FIRST_QUESTION);
    await asker.sendMessage(asker.makeMessage(first.text, { entities: first.entities }));
    await replyText(-7001);

    // Another member's follow-up is not read against someone else's question.
    const followUp = mentioning(FOLLOW_UP);
    await neighbour.sendMessage(neighbour.makeMessage(followUp.text, { entities: followUp.entities }));
    expect(await replyText(-7001)).not.toContain("按「");

    await asker.sendMessage(asker.makeMessage(followUp.text, { entities: followUp.entities }));
    expect((await replyText(-7001)).startsWith(UNDERSTOOD)).toBe(true);
  });

  it("/new starts over: the follow-up after it stands alone", async () => {
    const client = emulator.client({ chatId: 703, userId: 703, type: "private" });
    await client.sendMessage(client.makeMessage(FIRST_QUESTION));
    await replyText(703);
    await client.sendCommand(client.makeCommand("/new"));
    expect(await replyText(703)).toBe(REPLY_TEXTS.newConversation);
    await client.sendMessage(client.makeMessage(FOLLOW_UP));
    expect(await replyText(703)).not.toContain("按「");
  });
});
