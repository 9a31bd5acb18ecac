/**
 * Chit-chat is not a question: greetings, thanks and questions about the bot get the introduction
 * on every platform, are never rewritten as follow-ups, never remembered and never queued; a
 * question that starts with a greeting is answered without it. Over the real seed index, a real
 * SQLite question log and the real in-memory conversation memory.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { readChitChat } from "../../src/retrieval/chit-chat.js";
import { createInMemoryConversationMemory } from "../../src/conversation/conversation-memory.js";
import type { Incoming, Reply } from "../../src/conversation/incoming.js";
import { createResponder } from "../../src/conversation/responder.js";
import { resolveFollowUp } from "../../src/retrieval/resolve-follow-up.js";
import { createLogger } from "../../src/core/logger.js";
import type { ConversationTurn, Platform } from "../../src/core/types.js";
import { createQuestionLog } from "../../src/state/question-log.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { createTestKnowledgeBot } from "../support/test-knowledge-bot.js";

const logger = createLogger("silent");
const PLATFORMS: Platform[] = ["telegram", "wecom", "web"];
const CHIT_CHAT = [
  "hello",
  "Hello!",
  "hi~",
  "ＨＥＬＬＯ！",
  "你好",
  "您好！😊",
  "在吗？",
  "在嗎",
  "谢谢",
  "謝謝！！",
  "多谢",
  "好的👌",
  "再见",
  "你是谁",
  "你是誰？",
  "你能回答什么问题",
  "你能回答什麼問題？",
  "你会什么",
  "怎么用",
  "你好呀小助手",
  "thank you!",
];
/** Questions that look a little like small talk but ask something. */
const QUESTIONS = ["医保卡丢了怎么补办", "好的医院有哪些", "怎么用医保卡", "hiv怎么检测", "早孕怎么办", "那吉林呢？", "有用吗"];

describe("readChitChat", () => {
  it("reads greetings, thanks and questions about the bot as chit-chat, whatever their form", () => {
    for (const message of CHIT_CHAT) expect(readChitChat(message), message).toEqual({ kind: "chit-chat" });
  });

  it("leaves questions as they are, even those that start like small talk", () => {
    for (const message of QUESTIONS) expect(readChitChat(message), message).toEqual({ kind: "question", question: message });
  });

  it("takes a leading greeting off a question and keeps the user's own characters", () => {
    expect(readChitChat("你好，医保卡丢了怎么补办")).toEqual({ kind: "question", question: "医保卡丢了怎么补办" });
    expect(readChitChat("您好醫保卡丟了怎麼補辦？")).toEqual({ kind: "question", question: "醫保卡丟了怎麼補辦？" });
    expect(readChitChat("Hi, 北京医保在上海能用吗？")).toEqual({ kind: "question", question: "北京医保在上海能用吗？" });
  });

  it("is bounded: a long message is a question even when it is made of greetings", () => {
    expect(readChitChat("你好".repeat(20)).kind).toBe("question");
  });
});

describe("chit-chat through the responder", () => {
  let knowledge: Awaited<ReturnType<typeof createTestKnowledgeBot>>;
  let bot: LocalKnowledgeBot;

  beforeAll(async () => {
    knowledge = await createTestKnowledgeBot();
    bot = knowledge.bot;
  });
  afterAll(() => knowledge.cleanup());

  function setUp() {
    const store = openSqliteStateStore({ dataDir: ":memory:" });
    const memory = createInMemoryConversationMemory({ idleMs: 30 * 60_000, maxTurns: 10 });
    const questionLog = createQuestionLog({ store, enabled: true, logger });
    let clock = 1_000_000;
    const responder = createResponder({ bot, memory, config: { maxQuestionChars: 500 }, logger, questionLog, now: () => (clock += 1) });
    return { store, memory, responder };
  }

  const incoming = (text: string, platform: Platform): Incoming => ({
    text,
    platform,
    conversationKey: `${platform}:chat`,
    userId: "1",
    addressedToBot: true,
    isAdmin: false,
  });

  function textOf(reply: Reply): string {
    if (reply.kind !== "text") throw new Error(`expected a text reply, got ${reply.kind}`);
    return reply.text;
  }

  it("answers chit-chat with the introduction on every platform: not remembered, not logged", async () => {
    const { store, memory, responder } = setUp();
    for (const platform of PLATFORMS) {
      const introduction = textOf(await responder.respond(incoming("/help", platform)));
      for (const message of ["hello", "你好！", "謝謝", "你能回答什么问题？"]) {
        expect(textOf(await responder.respond(incoming(message, platform))), `${platform} ${message}`).toBe(introduction);
      }
      expect(await memory.history(`${platform}:chat`)).toEqual([]);
    }
    expect(await store.listQuestions({ filter: "all", days: 30, now: 1_000_000 })).toEqual([]);
    await store.close();
  });

  it("does not turn hello after a question into a follow-up, and a real follow-up still is one", async () => {
    const { memory, responder } = setUp();
    const first = await responder.respond(incoming("江苏省内农保卡可以跨市使用么", "telegram"));
    expect(first.kind === "answer" && !first.answer.noAnswer).toBe(true);
    expect(textOf(await responder.respond(incoming("hello", "telegram")))).toContain("可以这样问");
    // The greeting left the conversation as it was: one turn, and the next follow-up still reads it.
    expect((await memory.history("telegram:chat")).map((turn) => turn.question)).toEqual(["江苏省内农保卡可以跨市使用么"]);
    const followUp = await responder.respond(incoming("那吉林呢？", "telegram"));
    expect(followUp.kind === "answer" && followUp.answer.understoodAs).toBe("吉林省内农保卡可以跨市使用么");
  });

  it("never rewrites chit-chat in follow-up resolution itself (for callers that pass history straight to the bot)", () => {
    const history: ConversationTurn[] = [
      { question: "医保卡丢了怎么补办", resolvedQuestion: "医保卡丢了怎么补办", citedSourceIds: ["000_9de61d0cf05b51f0.txt"], at: 0 },
    ];
    for (const message of ["hello", "你好", "谢谢"]) {
      expect(resolveFollowUp(bot.current.keywordIndex, message, history), message).toEqual({ question: message, rewritten: false, focusWords: [] });
    }
  });

  it("answers the question after a greeting, and logs and remembers it without the greeting", async () => {
    const { store, memory, responder } = setUp();
    const reply = await responder.respond(incoming("你好，江苏省内农保卡可以跨市使用么", "wecom"));
    expect(reply.kind).toBe("answer");
    expect((await memory.history("wecom:chat")).map((turn) => turn.question)).toEqual(["江苏省内农保卡可以跨市使用么"]);
    expect((await store.listQuestions({ filter: "all", days: 30, now: 1_000_000 })).map((group) => group.text)).toEqual(["江苏省内农保卡可以跨市使用么"]);
    await store.close();
  });
});

describe("example questions", () => {
  let folder: string;
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it("never offers a greeting saved as an answer as an example question", async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), "kb-chit-chat-"));
    const rows = [
      { id: "greeting", question: "你好", answer: "您好，请问有什么可以帮您？" },
      { id: "card", question: "医保卡丢了怎么补办", answer: "带身份证到社保经办窗口挂失并补办。" },
    ];
    await writeFile(path.join(folder, "admin-answers.jsonl"), rows.map((row) => JSON.stringify(row)).join("\n") + "\n");
    const knowledge = await createTestKnowledgeBot({ knowledgeDir: folder });
    try {
      expect(knowledge.bot.exampleQuestions(5)).toEqual(["医保卡丢了怎么补办"]);
    } finally {
      await knowledge.cleanup();
    }
  });
});
