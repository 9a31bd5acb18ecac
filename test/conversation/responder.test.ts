/**
 * The one responder every platform talks to: commands, limits, the busy guard, admin checks, error
 * replies and conversation memory, with the real in-memory conversation store.
 */
import { describe, expect, it } from "vitest";
import { createInMemoryConversationMemory, type ConversationMemory } from "../../src/conversation/conversation-memory.js";
import type { Incoming, Reply } from "../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { createResponder } from "../../src/conversation/responder.js";
import { KnowledgeBotError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import type { Answer, Platform, Query } from "../../src/core/types.js";
import { cannedAnswer, createScriptedKnowledgeBot, SCRIPTED_EXAMPLE_QUESTION, SCRIPTED_STATS, scriptedSummary } from "../support/scripted-knowledge-bot.js";

const logger = createLogger("silent");
const platforms: Platform[] = ["telegram", "wecom", "web"];

function incoming(text: string, fields: Partial<Incoming> = {}): Incoming {
  return { text, platform: "telegram", conversationKey: "telegram:1:-:1", userId: "1", addressedToBot: true, isAdmin: false, ...fields };
}

function setUp(
  answerFor: (query: Query) => Answer | Promise<Answer> = () => cannedAnswer(),
  options: { memory?: ConversationMemory; reindex?: () => Promise<never> } = {},
) {
  const bot = createScriptedKnowledgeBot(answerFor, options.reindex ? { reindex: options.reindex } : {});
  const memory = options.memory ?? createInMemoryConversationMemory({ idleMs: 30 * 60_000, maxTurns: 10 });
  let clock = 1_000;
  const responder = createResponder({ bot, memory, config: { maxQuestionChars: 20 }, logger, now: () => (clock += 1) });
  return { bot, memory, responder };
}

function textOf(reply: Reply): string {
  if (reply.kind !== "text") throw new Error(`expected a text reply, got ${reply.kind}`);
  return reply.text;
}

/** A promise the test settles by hand, to hold an answer back. */
function gate<T>() {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

describe("commands", () => {
  it("/start, /help, an unknown command and an empty message all get the help text", async () => {
    const { responder, bot } = setUp();
    const help = textOf(await responder.respond(incoming("/start")));
    expect(help).toContain(`${SCRIPTED_STATS.sources} 篇资料`);
    expect(help).toContain(`• ${SCRIPTED_EXAMPLE_QUESTION}`);
    expect(help).toContain("/new");
    expect(help).toContain("我不是医生");
    for (const text of ["/help", "/HELP", "/whatever", "   ", "/ask"]) expect(textOf(await responder.respond(incoming(text)))).toBe(help);
    expect(bot.queries).toEqual([]);
  });

  it("answers /ask <question> as the question itself", async () => {
    const { responder, bot } = setUp();
    const reply = await responder.respond(incoming("/ask 亲情账户是什么"));
    expect(reply.kind).toBe("answer");
    expect(bot.queries.map((query) => query.text)).toEqual(["亲情账户是什么"]);
  });

  it("stays silent for a message not addressed to the bot", async () => {
    const { responder, bot } = setUp();
    expect(await responder.respond(incoming("亲情账户是什么", { addressedToBot: false }))).toEqual({ kind: "none" });
    expect(await responder.respond(incoming("/reindex", { addressedToBot: false, isAdmin: true }))).toEqual({ kind: "none" });
    expect(bot.queries).toEqual([]);
    expect(bot.reindexCalls).toEqual([]);
  });

  it("refuses a question over the length limit before the bot sees it", async () => {
    const { responder, bot } = setUp();
    expect(textOf(await responder.respond(incoming("医".repeat(21))))).toBe(REPLY_TEXTS.tooLong(20));
    // Characters, not UTF-16 units: 20 characters outside the BMP still fit.
    expect((await responder.respond(incoming("😀".repeat(20)))).kind).toBe("answer");
    expect(bot.queries).toHaveLength(1);
  });
});

describe("admin commands", () => {
  it("refuses /stats and /reindex politely to everyone but admins", async () => {
    const { responder, bot } = setUp();
    for (const command of ["/stats", "/reindex", "/reindex full"]) {
      expect(textOf(await responder.respond(incoming(command)))).toBe(REPLY_TEXTS.notAdmin);
    }
    expect(bot.reindexCalls).toEqual([]);
  });

  it("shows /stats and runs /reindex and /reindex full for an admin", async () => {
    const { responder, bot } = setUp();
    const admin = { isAdmin: true };
    expect(textOf(await responder.respond(incoming("/stats", admin)))).toBe(REPLY_TEXTS.stats(SCRIPTED_STATS));
    const report = textOf(await responder.respond(incoming("/reindex", admin)));
    expect(report).toMatch(/新增 1，修改 0，删除 0，未变 2/);
    expect(report).toMatch(/用时 1\.2 秒/);
    const full = textOf(await responder.respond(incoming("/reindex full", admin)));
    expect(full).toContain("全量重建");
    expect(bot.reindexCalls).toEqual([{ reason: "telegram /reindex" }, { full: true, reason: "telegram /reindex" }]);
  });

  it("answers a second /reindex while one runs instead of starting another", async () => {
    const held = gate<void>();
    const bot = createScriptedKnowledgeBot(() => cannedAnswer(), {
      reindex: async () => {
        await held.promise;
        return scriptedSummary();
      },
    });
    const memory = createInMemoryConversationMemory({ idleMs: 60_000, maxTurns: 10 });
    const responder = createResponder({ bot, memory, config: { maxQuestionChars: 100 }, logger });
    const first = responder.respond(incoming("/reindex", { isAdmin: true }));
    const second = await responder.respond(incoming("/reindex full", { isAdmin: true, platform: "wecom", conversationKey: "wecom-app:admin" }));
    expect(textOf(second)).toBe(REPLY_TEXTS.reindexBusy);
    held.open();
    expect(textOf(await first)).toContain("索引已更新");
    expect(bot.reindexCalls).toEqual([{ reason: "telegram /reindex" }]);
  });

  it("tells an admin why a re-index failed, with the fix hint and without a stack", async () => {
    const { responder } = setUp(undefined, {
      reindex: () => Promise.reject(new KnowledgeBotError("INDEX_LOCKED", "Another re-index holds the lock.", "Wait for it to finish.")),
    });
    const reply = textOf(await responder.respond(incoming("/reindex", { isAdmin: true })));
    expect(reply).toContain("重建索引失败");
    expect(reply).toContain("INDEX_LOCKED");
    expect(reply).toContain("Wait for it to finish.");
    expect(reply).not.toMatch(/\bat .*:\d+:\d+/);
  });
});

describe("error replies", () => {
  it("answers a failing bot with the failure text, never the error or a stack", async () => {
    const { responder } = setUp(() => {
      throw new Error("ENOENT: /secret/path/graph.bin at readFile (node:fs:1:1)");
    });
    const reply = await responder.respond(incoming("亲情账户是什么"));
    expect(textOf(reply)).toBe(REPLY_TEXTS.failed);
    expect(textOf(reply)).not.toContain("ENOENT");
    // The error itself rides along for the HTTP API, which answers with its code instead.
    expect(reply).toMatchObject({ failure: expect.objectContaining({ message: expect.stringContaining("ENOENT") }) });
  });

  it("an unexpected re-index failure shows admins the failure text, not the raw message", async () => {
    const { responder } = setUp(undefined, { reindex: () => Promise.reject(new Error("EACCES /srv/index")) });
    const reply = textOf(await responder.respond(incoming("/reindex", { isAdmin: true })));
    expect(reply).toContain("重建索引失败");
    expect(reply).not.toContain("EACCES");
  });

  it("still answers when the conversation memory fails", async () => {
    const broken: ConversationMemory = {
      history: () => Promise.reject(new Error("store down")),
      remember: () => Promise.reject(new Error("store down")),
      forget: () => Promise.reject(new Error("store down")),
    };
    const { responder, bot } = setUp(undefined, { memory: broken });
    expect((await responder.respond(incoming("亲情账户是什么"))).kind).toBe("answer");
    expect(bot.queries[0]?.history).toEqual([]);
    expect(textOf(await responder.respond(incoming("/new")))).toBe(REPLY_TEXTS.failed);
  });
});

describe("busy guard", () => {
  it("answers a second question of the same conversation with the busy text while the first runs", async () => {
    const held = gate<Answer>();
    const { responder, bot } = setUp((query) => (query.text === "慢问题" ? held.promise : cannedAnswer()));
    const first = responder.respond(incoming("慢问题"));
    expect(textOf(await responder.respond(incoming("第二个问题")))).toBe(REPLY_TEXTS.busy);
    // Another member of the same group has a conversation of their own and is answered meanwhile.
    expect((await responder.respond(incoming("别人的问题", { conversationKey: "telegram:1:-:2", userId: "2" }))).kind).toBe("answer");
    held.open(cannedAnswer());
    expect((await first).kind).toBe("answer");
    expect((await responder.respond(incoming("第三个问题"))).kind).toBe("answer");
    expect(bot.queries.map((query) => query.text)).toEqual(["慢问题", "别人的问题", "第三个问题"]);
  });

  it("frees the conversation again after a failed answer", async () => {
    let fail = true;
    const { responder } = setUp(() => {
      if (fail) throw new Error("boom");
      return cannedAnswer();
    });
    expect(textOf(await responder.respond(incoming("问题一")))).toBe(REPLY_TEXTS.failed);
    fail = false;
    expect((await responder.respond(incoming("问题二"))).kind).toBe("answer");
  });
});

describe("conversation memory", () => {
  it("passes the earlier turns as history and remembers what retrieval ran on and what was cited", async () => {
    const { responder, bot } = setUp((query) =>
      query.text === "那吉林呢？"
        ? {
            ...cannedAnswer(),
            understoodAs: "吉林省农保卡可以跨市使用么",
            citations: [{ n: 1, sourceId: "jilin.md", title: "吉林", url: "http://x/kb/jilin.md" }],
          }
        : { ...cannedAnswer(), citations: [{ n: 1, sourceId: "jiangsu.md", title: "江苏", url: "http://x/kb/jiangsu.md" }] },
    );
    await responder.respond(incoming("江苏省内农保卡可以跨市使用么"));
    await responder.respond(incoming("那吉林呢？"));
    await responder.respond(incoming("有什么办法预防"));
    expect(bot.queries.map((query) => query.platform)).toEqual(["telegram", "telegram", "telegram"]);
    expect(bot.queries[0]!.history).toEqual([]);
    expect(bot.queries[1]!.history).toEqual([
      { question: "江苏省内农保卡可以跨市使用么", resolvedQuestion: "江苏省内农保卡可以跨市使用么", citedSourceIds: ["jiangsu.md"], at: expect.any(Number) },
    ]);
    expect(bot.queries[2]!.history!.map(({ question, resolvedQuestion, citedSourceIds }) => ({ question, resolvedQuestion, citedSourceIds }))).toEqual([
      { question: "江苏省内农保卡可以跨市使用么", resolvedQuestion: "江苏省内农保卡可以跨市使用么", citedSourceIds: ["jiangsu.md"] },
      { question: "那吉林呢？", resolvedQuestion: "吉林省农保卡可以跨市使用么", citedSourceIds: ["jilin.md"] },
    ]);
    const [first, second] = bot.queries[2]!.history!;
    expect(first!.at).toBeLessThan(second!.at);
  });

  it("remembers a no-answer with no cited sources", async () => {
    const { responder, memory } = setUp(() => ({ ...cannedAnswer(), noAnswer: true }));
    await responder.respond(incoming("明天会下雨吗"));
    expect((await memory.history("telegram:1:-:1")).map((turn) => turn.citedSourceIds)).toEqual([[]]);
  });

  it("/new starts the conversation over, and only that conversation", async () => {
    const { responder, bot } = setUp();
    const other = { conversationKey: "wecom-bot:group:g1:u1", platform: "wecom" as const, userId: "u1" };
    await responder.respond(incoming("江苏省内农保卡可以跨市使用么"));
    await responder.respond(incoming("乙肝会遗传给孩子吗", other));
    expect(textOf(await responder.respond(incoming("/new")))).toBe(REPLY_TEXTS.newConversation);
    await responder.respond(incoming("那吉林呢？"));
    await responder.respond(incoming("有什么办法预防", other));
    expect(bot.queries[2]!.history).toEqual([]);
    expect(bot.queries[3]!.history!.map((turn) => turn.question)).toEqual(["乙肝会遗传给孩子吗"]);
  });

  it("does not read the memory of a conversation the transport just made, and still remembers its turn", async () => {
    const memory = createInMemoryConversationMemory({ idleMs: 30 * 60_000, maxTurns: 10 });
    let reads = 0;
    const counted: ConversationMemory = { ...memory, history: (key) => (reads++, memory.history(key)) };
    const { responder } = setUp(undefined, { memory: counted });
    const first = await responder.respond(incoming("亲情账户是什么", { newConversation: true }));
    expect(reads).toBe(0);
    expect((await memory.history("telegram:1:-:1")).map((turn) => turn.answerId)).toEqual([first.kind === "answer" ? first.answerId : "none"]);
    await responder.respond(incoming("那吉林呢"));
    expect(reads).toBe(1);
  });

  it("keeps conversations apart: another key has a history of its own", async () => {
    const { responder, bot } = setUp();
    await responder.respond(incoming("问题甲", { conversationKey: "telegram:-5:-:7" }));
    await responder.respond(incoming("问题乙", { conversationKey: "telegram:-5:-:8" }));
    await responder.respond(incoming("追问", { conversationKey: "telegram:-5:-:7" }));
    expect(bot.queries[1]!.history).toEqual([]);
    expect(bot.queries[2]!.history!.map((turn) => turn.question)).toEqual(["问题甲"]);
  });
});

describe("one vocabulary on every platform", () => {
  it("gives every platform the same refusal, busy, failure, too-long and /new texts", async () => {
    const seen = new Map<string, Set<string>>();
    for (const platform of platforms) {
      const held = gate<Answer>();
      const { responder } = setUp((query) => {
        if (query.text === "慢问题") return held.promise;
        throw new Error("boom");
      });
      const base = { platform, conversationKey: `${platform}:k`, userId: "u" };
      const running = responder.respond(incoming("慢问题", base));
      const texts = {
        notAdmin: textOf(await responder.respond(incoming("/reindex", base))),
        busy: textOf(await responder.respond(incoming("又一个问题", base))),
        tooLong: textOf(await responder.respond(incoming("医".repeat(21), base))),
        newConversation: textOf(await responder.respond(incoming("/new", base))),
        failed: textOf(await responder.respond(incoming("会失败的问题", { ...base, conversationKey: `${platform}:other` }))),
      };
      held.open(cannedAnswer());
      await running;
      for (const [name, value] of Object.entries(texts)) seen.set(name, (seen.get(name) ?? new Set()).add(value));
    }
    expect(Object.fromEntries([...seen].map(([name, values]) => [name, [...values]]))).toEqual({
      notAdmin: [REPLY_TEXTS.notAdmin],
      busy: [REPLY_TEXTS.busy],
      tooLong: [REPLY_TEXTS.tooLong(20)],
      newConversation: [REPLY_TEXTS.newConversation],
      failed: [REPLY_TEXTS.failed],
    });
  });

  it("the help text differs only in how to address the bot", async () => {
    const { responder } = setUp();
    const helps = await Promise.all(platforms.map(async (platform) => textOf(await responder.respond(incoming("/help", { platform })))));
    const withoutHowTo = helps.map((help, index) => help.replace(REPLY_TEXTS.howToAsk(platforms[index]!), ""));
    expect(new Set(withoutHowTo).size).toBe(1);
  });
});
