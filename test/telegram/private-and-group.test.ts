/**
 * End to end: the real adapter, long polling against the telegram-test-api emulator (behind the
 * wrapper that checks messages like Telegram does), answering from the real knowledge bot.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { createRealKnowledgeBot } from "./support/real-knowledge-bot.js";
import { recordQueries, type RecordingKnowledgeBot } from "./support/recording-knowledge-bot.js";
import { EMULATOR_BOT_ID, startEmulator, type Emulator } from "./support/telegram-emulator.js";
import { isAcceptedButtonUrl, parseTelegramHtml } from "./support/telegram-html.js";
import { waitFor } from "./support/wait-for.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const ADMIN_ID = 4242;

let emulator: Emulator;
let harness: AdapterHarness;
let knowledge: Awaited<ReturnType<typeof createRealKnowledgeBot>>;
let bot: RecordingKnowledgeBot;

beforeAll(async () => {
  emulator = await startEmulator();
  knowledge = await createRealKnowledgeBot();
  bot = recordQueries(knowledge.bot);
  harness = createAdapterHarness({
    bot,
    apiRoot: emulator.apiRoot,
    token: emulator.token,
    environment: { TELEGRAM_ADMIN_IDS: `${ADMIN_ID}, 99` },
  });
  await harness.adapter.start();
});

// Every test checks its own exchanges: nothing the bot sent was refused the way Telegram would refuse it.
afterEach(() => {
  expect(emulator.refusedMessages).toEqual([]);
});

afterAll(async () => {
  await harness?.adapter.stop();
  await emulator?.stop();
  await knowledge?.cleanup();
});

/** The sendMessage fields these tests read, on top of what the emulator stores. */
type SentMessage = Awaited<ReturnType<Emulator["takeBotMessages"]>>[number]["message"] & {
  text: string;
  parse_mode?: string;
  reply_parameters?: { message_id: number };
  reply_markup?: { inline_keyboard?: { text: string; url: string }[][] };
  message_thread_id?: number;
};

function visibleText(message: SentMessage): string {
  const parsed = parseTelegramHtml(message.text);
  if (!parsed.ok) throw new Error(parsed.description);
  return parsed.visibleText;
}

async function reply(chatId: number): Promise<SentMessage> {
  const [update] = await emulator.takeBotMessages(chatId);
  return update.message as SentMessage;
}

// Queries carry no chat: each test reads the ones asked since it started (tests run one by one).
let queriesBefore = 0;
beforeEach(() => {
  queriesBefore = bot.queries.length;
});

function newQueries() {
  return bot.queries.slice(queriesBefore);
}

function groupClient(chatId: number, userId = 7) {
  return emulator.client({ chatId, userId, type: "supergroup", chatTitle: "医保交流群", timeout: 5000 });
}

function mentionOf(text: string, mention: string) {
  return { type: "mention", offset: text.indexOf(mention), length: mention.length };
}

describe("private chat", () => {
  it("answers a question with cited links, the disclaimer and URL buttons, quoting the question", async () => {
    const client = emulator.client({ chatId: 101, userId: 101, type: "private" });
    await client.sendMessage(client.makeMessage(SEED_QUESTION));
    const questionId = emulator.lastUserMessageId();

    const message = await reply(101);
    expect(message.parse_mode).toBe("HTML");
    expect(message.reply_parameters?.message_id).toBe(questionId);
    expect(message.text).toMatch(/<a href="https?:\/\/[^"]+">\[1\]<\/a>/);
    expect(visibleText(message)).toContain(MEDICAL_DISCLAIMER);
    const buttons = (message.reply_markup?.inline_keyboard ?? []).flat();
    expect(buttons.length).toBeGreaterThan(0);
    for (const button of buttons) expect(isAcceptedButtonUrl(button.url)).toBe(true);
    expect(emulator.chatActions).toContainEqual(expect.objectContaining({ chat_id: 101, action: "typing" }));
    expect(newQueries()).toEqual([{ text: SEED_QUESTION, platform: "telegram", history: [] }]);
  });

  it("logs one line per answered question with timing, masking personal data", async () => {
    const client = emulator.client({ chatId: 102, userId: 102, type: "private" });
    await client.sendMessage(client.makeMessage(`我的手机13812345678，${SEED_QUESTION}`));
    await reply(102);
    const line = await waitFor(() => harness.logs.find((log) => log.msg === "telegram question answered" && log.chatId === 102));
    expect(typeof line.durationMs).toBe("number");
    expect(line.question).toContain("[phone]");
    expect(JSON.stringify(harness.logs)).not.toContain("13812345678");
  });

  it("handles a question containing <b>& safely: the reply is valid HTML and the query keeps the raw text", async () => {
    const client = emulator.client({ chatId: 103, userId: 103, type: "private" });
    const question = `亲情账户<b>&家庭共济账户有什么区别`;
    await client.sendMessage(client.makeMessage(question));
    const message = await reply(103);
    expect(parseTelegramHtml(message.text).ok).toBe(true);
    expect(visibleText(message)).toContain("[1]");
    expect(newQueries()[0].text).toBe(question);
    expect(emulator.refusedMessages).toEqual([]);
  });

  it("/start explains what the bot knows, with the source count, example questions and that it is not a doctor", async () => {
    const client = emulator.client({ chatId: 104, userId: 104, type: "private" });
    await client.sendCommand(client.makeCommand("/start"));
    const text = visibleText(await reply(104));
    expect(text).toContain(`${knowledge.bot.stats().sources} 篇资料`);
    expect(text).toContain(knowledge.bot.exampleQuestions(3)[0]);
    expect(text).toContain("我不是医生");
    expect(newQueries()).toEqual([]);
  });
});

describe("groups", () => {
  it("stays silent without a mention, then answers a case-insensitive @mention with the mention stripped", async () => {
    const client = groupClient(-2001);
    await client.sendMessage(client.makeMessage(SEED_QUESTION));
    expect(await emulator.botMessagesAfter(-2001, 600)).toEqual([]);
    expect(newQueries()).toEqual([]);

    const text = `@testnamebot ${SEED_QUESTION}`;
    await client.sendMessage(client.makeMessage(text, { entities: [mentionOf(text, "@testnamebot")] }));
    const questionId = emulator.lastUserMessageId();
    const message = await reply(-2001);
    expect(message.reply_parameters?.message_id).toBe(questionId);
    expect(visibleText(message)).toContain(MEDICAL_DISCLAIMER);
    expect(message.message_thread_id).toBeUndefined();
    expect(newQueries().map((query) => query.text)).toEqual([SEED_QUESTION]);
  });

  it("answers /ask@TestNameBot and ignores /ask@OtherBot", async () => {
    const client = groupClient(-2002);
    await client.sendCommand(client.makeCommand(`/ask@OtherBot ${SEED_QUESTION}`));
    expect(await emulator.botMessagesAfter(-2002, 500)).toEqual([]);

    await client.sendCommand(client.makeCommand(`/ask@TestNameBot ${SEED_QUESTION}`));
    expect(visibleText(await reply(-2002))).toContain("[1]");
    expect(newQueries().map((query) => query.text)).toEqual([SEED_QUESTION]);
  });

  it("answers a reply to one of its own messages, but not a reply to someone else", async () => {
    const client = groupClient(-2003);
    await client.sendCommand(client.makeCommand(`/ask ${SEED_QUESTION}`));
    const [first] = await emulator.takeBotMessages(-2003);

    const chat = { id: -2003, type: "supergroup", title: "医保交流群" };
    const date = Math.floor(Date.now() / 1000);
    await client.sendMessage(
      client.makeMessage("家庭共济账户能给父母用吗", {
        reply_to_message: { message_id: 1, from: { id: 5, is_bot: false, first_name: "Li" }, chat, date, text: "hi" },
      }),
    );
    expect(await emulator.botMessagesAfter(-2003, 500)).toEqual([]);

    await client.sendMessage(
      client.makeMessage("家庭共济账户能给父母用吗", {
        reply_to_message: { message_id: first.messageId, from: { id: EMULATOR_BOT_ID, is_bot: true, first_name: "Test" }, chat, date, text: "…" },
      }),
    );
    const message = await reply(-2003);
    expect(message.reply_parameters?.message_id).toBe(emulator.lastUserMessageId());
    expect(newQueries().map((query) => query.text)).toEqual([SEED_QUESTION, "家庭共济账户能给父母用吗"]);
  });

  it("replies inside a forum topic only for topic messages", async () => {
    const client = groupClient(-2004);
    const text = `@TestNameBot ${SEED_QUESTION}`;
    await client.sendMessage(client.makeMessage(text, { entities: [mentionOf(text, "@TestNameBot")], is_topic_message: true, message_thread_id: 77 }));
    const inTopic = await reply(-2004);
    expect(inTopic.message_thread_id).toBe(77);
    expect(emulator.chatActions).toContainEqual(expect.objectContaining({ chat_id: -2004, message_thread_id: 77 }));

    // A thread id without is_topic_message (a reply thread in an ordinary group) must not be echoed.
    await client.sendMessage(client.makeMessage(text, { entities: [mentionOf(text, "@TestNameBot")], message_thread_id: 12 }));
    expect((await reply(-2004)).message_thread_id).toBeUndefined();
  });

  it("keeps answering other chats while one chat's answer is slow", async () => {
    const slow = groupClient(-2005);
    const fast = groupClient(-2006);
    const slowQuestion = "家庭共济账户能给父母用吗";
    const release = bot.holdAnswersTo(slowQuestion);
    await slow.sendCommand(slow.makeCommand(`/ask ${slowQuestion}`));
    await fast.sendCommand(fast.makeCommand(`/ask ${SEED_QUESTION}`));
    expect(visibleText(await reply(-2006))).toContain("[1]");
    expect(emulator.server.storage.botMessages.filter((update) => String(update.message.chat_id) === "-2005")).toEqual([]);
    release();
    expect(visibleText(await reply(-2005))).toContain("[1]");
  });
});

describe("admin commands", () => {
  it("runs /reindex for an admin and reports added/changed/removed counts and time", async () => {
    const client = emulator.client({ chatId: ADMIN_ID, userId: ADMIN_ID, type: "private" });
    await client.sendCommand(client.makeCommand("/reindex"));
    const [report] = await emulator.takeBotMessages(ADMIN_ID, 1, 30_000);
    expect(visibleText(report.message as SentMessage)).toMatch(/新增 \d+，修改 \d+，删除 \d+/);
    expect(visibleText(report.message as SentMessage)).toMatch(/用时 \d+\.\d 秒/);
    expect(emulator.chatActions).toContainEqual(expect.objectContaining({ chat_id: ADMIN_ID, action: "typing" }));
  });

  it("shows /stats to an admin in a group", async () => {
    const client = emulator.client({ chatId: -2007, userId: ADMIN_ID, type: "group" });
    await client.sendCommand(client.makeCommand("/stats@TestNameBot"));
    const text = visibleText(await reply(-2007));
    expect(text).toContain(knowledge.bot.stats().version);
    expect(text).toContain(`资料 ${knowledge.bot.stats().sources} 篇`);
  });

  it("politely refuses /reindex and /stats to everyone else", async () => {
    const client = emulator.client({ chatId: 105, userId: 105, type: "private" });
    await client.sendCommand(client.makeCommand("/reindex"));
    expect(visibleText(await reply(105))).toContain("只有管理员");
    await client.sendCommand(client.makeCommand("/stats"));
    expect(visibleText(await reply(105))).toContain("只有管理员");
  });
});
