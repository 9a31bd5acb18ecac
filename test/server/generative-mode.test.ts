/**
 * Generative mode end to end: the real server and index, the rewriter talking to a local
 * chat-completions server. Invented citations are removed, the disclaimer follows the policy,
 * and every model failure falls back to the retrieval-only answer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatCompletionsClient } from "../../src/answer/chat-completions-client.js";
import { markedParagraphs } from "../../src/answer/citation-markers.js";
import { createGenerativeRewriter } from "../../src/answer/generative-rewriter.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { composeAnswer, DEFAULT_COMPOSE_OPTIONS } from "../../src/retrieval/compose-answer.js";
import { startLocalChatModel, type LocalChatModel } from "./support/local-chat-model.js";
import { startTestServer, TEST_PUBLIC_BASE_URL, type TestServer } from "./support/test-server.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const GEOGRAPHY_QUESTION = "五指山在哪个省";
const MODEL_TIMEOUT_MS = 600;

let model: LocalChatModel;
let server: TestServer;

async function ask(question: string) {
  const response = await server.post("/api/ask", { question });
  expect(response.status).toBe(200);
  return response.json();
}

async function retrievalOnlyText(question: string): Promise<string> {
  const result = await server.bot.retrieve(question, 10);
  return composeAnswer(result, server.bot.current.sources, { ...DEFAULT_COMPOSE_OPTIONS, publicBaseUrl: TEST_PUBLIC_BASE_URL }).text;
}

beforeAll(async () => {
  model = await startLocalChatModel();
  const client = createChatCompletionsClient({ baseUrl: model.baseUrl, apiKey: "sk-local-test", model: "test-chat-model", timeoutMs: MODEL_TIMEOUT_MS });
  server = await startTestServer({ rewriteAnswer: createGenerativeRewriter(client) });
});

afterAll(async () => {
  await server?.close();
  await model?.close();
});

describe("reading a model reply into paragraphs", () => {
  it.each([
    ["keeps known numbers in order", "甲[2]，乙[1]。", [{ text: "甲，乙。", citations: [2, 1] }]],
    ["removes an invented number", "甲[1]，乙[7]。", [{ text: "甲，乙。", citations: [1] }]],
    ["splits groups and drops unknown members", "甲[1, 2, 9]。", [{ text: "甲。", citations: [1, 2] }]],
    ["drops a group of unknown numbers", "甲[8，9]。", [{ text: "甲。", citations: [] }]],
    ["reads full-width markers", "甲【1】。", [{ text: "甲。", citations: [1] }]],
    ["leaves other brackets alone", "见[注]与[1]", [{ text: "见[注]与", citations: [1] }]],
    [
      "splits at blank lines",
      "甲[1]。\n\n乙[2]。",
      [
        { text: "甲。", citations: [1] },
        { text: "乙。", citations: [2] },
      ],
    ],
    ["gives a paragraph of markers alone to the one before", "甲。\n\n[2]", [{ text: "甲。", citations: [2] }]],
  ])("%s", (_label, input, expected) => {
    expect(markedParagraphs(input, new Set([1, 2]))).toEqual(expected);
  });

  it("never keeps a disclaimer the model wrote: the flag decides it", () => {
    const written = `提示：${MEDICAL_DISCLAIMER}\n\n正文[1]\n\n${MEDICAL_DISCLAIMER}`;
    expect(markedParagraphs(written, new Set([1]))).toEqual([{ text: "正文", citations: [1] }]);
  });
});

describe("generative mode through POST /api/ask", () => {
  it("sends the passages and question in chat-completions format and keeps the model's cited prose", async () => {
    model.reply = () => ({ content: "亲情账户只用于展示医保电子凭证，不涉及资金[1]；家庭共济账户可以把个人账户资金给近亲属使用[1]。" });
    const body = await ask(SEED_QUESTION);
    const request = model.requests.at(-1)!;
    expect(request.path).toBe("/v1/chat/completions");
    expect(request.headers.authorization).toBe("Bearer sk-local-test");
    expect(request.body.model).toBe("test-chat-model");
    expect(request.body.messages[0].role).toBe("system");
    const user = request.body.messages.at(-1)!.content;
    expect(user).toContain(SEED_QUESTION);
    expect(user).toContain("[1] 《职工医保亲情账户和共济账户区别》");
    expect(user).toContain("资金属性");

    expect(body.paragraphs).toEqual([{ text: "亲情账户只用于展示医保电子凭证，不涉及资金；家庭共济账户可以把个人账户资金给近亲属使用。", citations: [1] }]);
    expect(body.text).toBe(`亲情账户只用于展示医保电子凭证，不涉及资金；家庭共济账户可以把个人账户资金给近亲属使用。[1]\n\n${MEDICAL_DISCLAIMER}`);
    expect(body.disclaimer).toBe(true);
    expect(body.citations[0].n).toBe(1);
  });

  it("removes a citation number the model invented", async () => {
    model.reply = () => ({ content: "家庭共济账户涉及资金划拨[1][4]，亲情账户不涉及[3]。" });
    const body = await ask(SEED_QUESTION);
    expect(body.citations.map((citation: { n: number }) => citation.n)).toEqual([1]);
    expect(body.paragraphs).toEqual([{ text: "家庭共济账户涉及资金划拨，亲情账户不涉及。", citations: [1] }]);
    expect(body.text).toContain("家庭共济账户涉及资金划拨，亲情账户不涉及。[1]");
    expect(body.text).not.toMatch(/\[[34]\]/);
  });

  it("drops a disclaimer the model adds to a non-medical answer", async () => {
    model.reply = () => ({ content: `五指山位于海南省[1]。\n\n${MEDICAL_DISCLAIMER}` });
    const body = await ask(GEOGRAPHY_QUESTION);
    expect(body.disclaimer).toBe(false);
    expect(body.paragraphs).toEqual([{ text: "五指山位于海南省。", citations: [1] }]);
    expect(body.text).toBe("五指山位于海南省。[1]");
  });

  it.each([
    ["an HTTP 500", { status: 500 }],
    ["a body that is not JSON", { rawBody: "<html>bad gateway</html>" }],
    ["an empty message", { content: "" }],
    ["a reply that cites nothing", { content: "亲情账户和家庭共济账户差不多。" }],
  ])("falls back to the retrieval-only answer on %s", async (_label, reply) => {
    model.reply = () => reply;
    const before = model.requests.length;
    const body = await ask(SEED_QUESTION);
    expect(model.requests.length).toBe(before + 1);
    expect(body.text).toBe(await retrievalOnlyText(SEED_QUESTION));
    expect(body.disclaimer).toBe(true);
  });

  it("falls back to the retrieval-only answer when the model does not reply in time", async () => {
    model.reply = () => ({ content: "太晚了[1]。", delayMs: MODEL_TIMEOUT_MS * 4 });
    // The late reply would be used were there no timeout; getting the retrieval-only text shows it.
    const body = await ask(GEOGRAPHY_QUESTION);
    expect(body.text).toBe(await retrievalOnlyText(GEOGRAPHY_QUESTION));
  });

  it("falls back when the model server cannot be reached", async () => {
    const unreachable = createGenerativeRewriter(createChatCompletionsClient({ baseUrl: "http://127.0.0.1:9/v1", model: "none", timeoutMs: 1000 }));
    const answer = await server.bot.answer({ text: GEOGRAPHY_QUESTION, platform: "web" });
    expect(await unreachable(answer, GEOGRAPHY_QUESTION)).toBe(answer);
  });

  it("does not call the model for a question with no answer", async () => {
    model.reply = () => ({ content: "编造的内容[1]。" });
    const before = model.requests.length;
    const body = await ask("量子色动力学的渐近自由是什么");
    expect(body.noAnswer).toBe(true);
    expect(model.requests.length).toBe(before);
  });
});
