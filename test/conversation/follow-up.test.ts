/**
 * Follow-up questions on the seed page, end to end through `LocalKnowledgeBot.answer` over a real
 * index: resolved against the earlier turns, not polluted by them, off-topic kept off-topic, and in
 * generative mode condensed by a chat model (a local OpenAI-wire-format server) with the
 * retrieval-side resolution as the fallback.
 */
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatCompletionsClient } from "../../src/answer/chat-completions-client.js";
import { createQuestionCondenser } from "../../src/answer/condense-question.js";
import { resolveFollowUp } from "../../src/retrieval/resolve-follow-up.js";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { runCli } from "../../src/cli.js";
import { evaluateConversations, readEvaluationConversations } from "../../src/cli/evaluate.js";
import type { Answer, ConversationTurn } from "../../src/core/types.js";
import { startLocalChatModel, type LocalChatModel } from "../server/support/local-chat-model.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const PAGE = "000_9de61d0cf05b51f0.txt";
const related = (n: number) => `${PAGE}#related-${n}`;
const JILIN_SOURCES = [related(1), related(2), related(6)];

let indexDir: string;
let bot: LocalKnowledgeBot;

async function openBot(options: Partial<Parameters<typeof LocalKnowledgeBot.open>[0]> = {}): Promise<LocalKnowledgeBot> {
  return LocalKnowledgeBot.open(
    { knowledgeDir: SEED_KNOWLEDGE_DIR, indexDir, embedder: { kind: "local", batchSize: 64 }, publicBaseUrl: "http://127.0.0.1:3000", ...options },
    { buildIfMissing: true },
  );
}

beforeAll(async () => {
  indexDir = await mkdtemp(path.join(os.tmpdir(), "kb-follow-up-"));
  bot = await openBot();
});
afterAll(() => rm(indexDir, { recursive: true, force: true }));

/** Asks the turns in order, remembering each answer as the responder does; returns the last answer. */
async function converse(target: LocalKnowledgeBot, turns: string[]): Promise<Answer> {
  const history: ConversationTurn[] = [];
  let answer: Answer | undefined;
  for (const [position, question] of turns.entries()) {
    answer = await target.answer({ text: question, platform: "eval", history: [...history] });
    history.push({
      question,
      resolvedQuestion: answer.understoodAs ?? question,
      citedSourceIds: answer.noAnswer ? [] : answer.citations.map((citation) => citation.sourceId),
      at: position,
    });
  }
  return answer!;
}

const cited = (answer: Answer) => answer.citations.map((citation) => citation.sourceId);

describe("follow-up questions, resolved from the index", () => {
  it("asks 那吉林呢？ about 吉林's card: 吉林 replaces 江苏, and the answer cites a 吉林 source", async () => {
    const alone = await bot.answer({ text: "那吉林呢？", platform: "eval" });
    expect(alone.noAnswer).toBe(true);
    const answer = await converse(bot, ["江苏省内医保卡可以异地使用吗", "那吉林呢？"]);
    expect(answer.noAnswer).toBe(false);
    expect(answer.understoodAs).toBe("吉林省内医保卡可以异地使用吗");
    expect(cited(answer).length).toBeGreaterThan(0);
    for (const sourceId of cited(answer)) expect(JILIN_SOURCES).toContain(sourceId);
  });

  it("says what is missing when the follow-up's place has no source on the rest: no 吉林 source compares the two accounts", async () => {
    const answer = await converse(bot, ["亲情账户和家庭共济账户有什么区别", "那吉林呢？"]);
    expect(answer.understoodAs).toBe("吉林亲情账户和家庭共济账户有什么区别");
    expect(answer.noAnswer).toBe(true);
    expect(answer.missingSubject).toBe("吉林");
    expect(answer.disclaimer).toBe(false);
    expect(answer.citations).toEqual([]);
  });

  it("joins a follow-up with a predicate of its own to the earlier topic", async () => {
    const answer = await converse(bot, ["医保亲情账户可以给家人交医保吗", "小孩也能用吗"]);
    expect(answer.understoodAs).toBe("医保亲情账户小孩也能用吗");
    expect(cited(answer)[0]).toBe(PAGE);
    // Alone, the same words match a page about pharmacies.
    expect(cited(await bot.answer({ text: "小孩也能用吗", platform: "eval" }))).not.toContain(PAGE);
  });

  it("leaves a question with its own topic alone: no rewrite, the answer is about 江苏", async () => {
    const answer = await converse(bot, ["海南五指山属于东方管吗", "江苏省内医保卡可以异地使用吗"]);
    expect(answer.understoodAs).toBeUndefined();
    expect(cited(answer)[0]).toBe(related(13));
  });

  it("keeps an off-topic follow-up a no-answer", async () => {
    for (const offTopic of ["明天会下雨吗", "推荐一部好看的电影"]) {
      const answer = await converse(bot, ["江苏省内农保卡可以跨市使用么", offTopic]);
      expect(answer.noAnswer, offTopic).toBe(true);
      expect(answer.understoodAs, offTopic).toBeUndefined();
    }
  });

  it("sets understoodAs only when the question was rewritten, and never without history", async () => {
    const first = await bot.answer({ text: "江苏省内农保卡可以跨市使用么", platform: "eval" });
    expect(first.understoodAs).toBeUndefined();
    expect("understoodAs" in first).toBe(false);
  });
});

describe("resolveFollowUp", () => {
  const turn = (question: string, citedSourceIds = [related(7)]): ConversationTurn => ({ question, resolvedQuestion: question, citedSourceIds, at: 0 });

  it("resolves against the last answered turn, skipping no-answers in between", () => {
    const history = [turn("江苏省内农保卡可以跨市使用么"), turn("明天会下雨吗", [])];
    expect(resolveFollowUp(bot.current.keywordIndex, "那吉林呢？", history)).toMatchObject({ question: "吉林省内农保卡可以跨市使用么", rewritten: true });
  });

  it("leaves the message alone when no earlier turn was answered", () => {
    expect(resolveFollowUp(bot.current.keywordIndex, "那吉林呢？", [turn("明天会下雨吗", [])])).toEqual({
      question: "那吉林呢？",
      rewritten: false,
      focusWords: [],
    });
  });

  it("leaves a message alone that names the earlier topic itself", () => {
    const resolution = resolveFollowUp(bot.current.keywordIndex, "江苏省内职工医保能跨市使用吗", [turn("江苏省内农保卡可以跨市使用么")]);
    expect(resolution.rewritten).toBe(false);
  });

  it("carries the resolved topic along a chain of follow-ups", async () => {
    const answer = await converse(bot, ["江苏省内医保卡可以异地使用吗", "那吉林呢？", "怎么激活"]);
    expect(answer.understoodAs).toMatch(/^吉林/);
    expect(cited(answer)[0]).toBe(related(6));
  });
});

describe("the shipped-page conversation set", () => {
  it("is answered clearly better with memory than with the last message alone", async () => {
    const conversations = await readEvaluationConversations(path.join(PROJECT_ROOT, "test/fixtures/conversations-seed-page.jsonl"));
    expect(conversations.length).toBeGreaterThanOrEqual(20);
    expect(conversations.some((conversation) => conversation.expected.length === 0)).toBe(true);
    const report = await evaluateConversations(bot, conversations);
    const measured = JSON.stringify({ alone: report.alone, withMemory: report.withMemory, rewritten: report.rewritten });
    console.info(`seed-page conversations: ${measured}`);
    // 0.174 measured (0.783 alone, 0.957 with memory): two follow-ups that move to a place whose sources
    // do not cover the rest (福建 with 门诊报销 or 家人报销) expect the honest no-answer.
    expect(report.withMemory - report.alone, measured).toBeGreaterThanOrEqual(0.15);
    expect(report.withMemory, measured).toBeGreaterThanOrEqual(0.9);
    // Topic switches and off-topic follow-ups are right with memory too: memory does not pollute them.
    for (const result of report.results.filter((entry) => /switch|off-topic/.test(entry.kind ?? "")))
      expect(result.withMemory, result.turns.join(" → ")).toBe(true);
  });
});

describe("the medical FAQ fixture conversation set", () => {
  it("is answered right with memory, switches and off-topic follow-ups included, and no worse than alone", async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), "kb-follow-up-faq-"));
    try {
      await mkdir(path.join(work, "knowledge"));
      await cp(path.join(PROJECT_ROOT, "test/fixtures/medical-faq.csv"), path.join(work, "knowledge/medical-faq.csv"));
      const faqBot = await LocalKnowledgeBot.open(
        {
          knowledgeDir: path.join(work, "knowledge"),
          indexDir: path.join(work, "index"),
          embedder: { kind: "local", batchSize: 64 },
          publicBaseUrl: "http://127.0.0.1:3000",
        },
        { buildIfMissing: true },
      );
      const conversations = await readEvaluationConversations(path.join(PROJECT_ROOT, "test/fixtures/conversations-medical-faq.jsonl"));
      const report = await evaluateConversations(faqBot, conversations);
      const measured = JSON.stringify({ alone: report.alone, withMemory: report.withMemory, rewritten: report.rewritten });
      console.info(`medical-faq conversations: ${measured}`);
      expect(report.withMemory, measured).toBe(1);
      expect(report.withMemory).toBeGreaterThan(report.alone);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe("kb eval --conversations", () => {
  it("reports the share right alone and with memory, and refuses to run without a file", async () => {
    const output: string[] = [];
    const errors: string[] = [];
    const io = {
      stdout: { write: (text: string) => output.push(text) },
      stderr: { write: (text: string) => errors.push(text) },
      stdin: process.stdin,
    } as unknown as Parameters<typeof runCli>[1];
    const file = path.join(PROJECT_ROOT, "test/fixtures/conversations-seed-page.jsonl");
    expect(await runCli(["eval", "--conversations", file, "--index", indexDir, "--json"], io)).toBe(0);
    const report = JSON.parse(output.join("")) as { conversations: number; alone: number; withMemory: number };
    expect(report.conversations).toBeGreaterThanOrEqual(20);
    expect(report.withMemory).toBeGreaterThan(report.alone);
    expect(await runCli(["eval", "--index", indexDir], io)).toBe(2);
    expect(errors.join("")).toMatch(/--queries and --conversations/);
  });
});

describe("follow-up questions in generative mode", () => {
  let model: LocalChatModel;
  let generative: LocalKnowledgeBot;

  beforeAll(async () => {
    model = await startLocalChatModel();
    const client = createChatCompletionsClient({ baseUrl: model.baseUrl, model: "test-model", timeoutMs: 2_000 });
    generative = await openBot({ condenseQuestion: createQuestionCondenser(client) });
  });
  afterAll(() => model.close());

  it("retrieves on the question the chat model condensed from the recent turns", async () => {
    model.reply = () => ({ content: "「吉林省医保怎么停止参保」" });
    const answer = await converse(generative, ["江苏省内农保卡可以跨市使用么", "那吉林的怎么停"]);
    expect(answer.understoodAs).toBe("吉林省医保怎么停止参保");
    expect(cited(answer)[0]).toBe(related(2));
    const request = model.requests
      .at(-1)!
      .body.messages.map((message) => message.content)
      .join("\n");
    expect(request).toContain("江苏省内农保卡可以跨市使用么");
    expect(request).toContain("那吉林的怎么停");
  });

  it("is not asked without history", async () => {
    const before = model.requests.length;
    await generative.answer({ text: "江苏省内农保卡可以跨市使用么", platform: "eval" });
    expect(model.requests.length).toBe(before);
  });

  it.each([
    ["an HTTP error", { status: 500 }],
    ["a body that is not JSON", { rawBody: "<html>" }],
    ["an empty reply", { content: "   " }],
  ])("falls back to the retrieval-side resolution on %s", async (_, reply) => {
    model.reply = () => reply;
    const answer = await converse(generative, ["江苏省内农保卡可以跨市使用么", "那吉林呢？"]);
    expect(answer.understoodAs).toBe("吉林省内农保卡可以跨市使用么");
    for (const sourceId of cited(answer)) expect(JILIN_SOURCES).toContain(sourceId);
  });
});
