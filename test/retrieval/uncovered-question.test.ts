/**
 * The question-coverage part of the no-answer decision on a small folder about 医保, 体检 and
 * medicines while breastfeeding: a medical question on a topic the folder does not cover gets no
 * answer (with the neighbouring sources as suggestions, not as an answer), while the questions the
 * folder covers keep their answers. The calibration on the medqa corpus is in test/eval/.
 */
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { composeAnswer, DEFAULT_COMPOSE_OPTIONS } from "../../src/retrieval/compose-answer.js";
import { NO_ANSWER_TEXTS } from "../../src/retrieval/no-answer-reply.js";
import { DEFAULT_RETRIEVAL_SETTINGS, retrieve } from "../../src/retrieval/retrieve.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
let work: string;
let index: LoadedIndex;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-uncovered-"));
  const knowledgeDir = path.join(PROJECT_ROOT, "test/fixtures");
  await mkdir(path.join(work, "knowledge"));
  await cp(path.join(knowledgeDir, "insurance-exam-nursing-faq.csv"), path.join(work, "knowledge/faq.csv"));
  await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: local });
  index = await loadIndex(path.join(work, "index"), local);
});
afterAll(() => rm(work, { recursive: true, force: true }));

const COVERED: [question: string, sourceId: string][] = [
  ["体检前需要空腹吗", "exam-fasting"],
  ["哺乳期能吃感冒药吗", "nursing-cold-medicine"],
  ["家庭共济账户的钱能给父母看病用吗", "fj-family-pool"],
  ["医保卡丢了去哪里补办", "medical-card-lost"],
  // Words the folder never uses that are not what the question asks about keep the answer.
  ["我老爸体检前需要空腹吗", "exam-fasting"],
  ["前年办的医保卡丢了怎么补办", "medical-card-lost"],
  ["老妈住院费用医保能报销多少", "medical-reimburse"],
  ["此次住院费用医保能报销多少", "medical-reimburse"],
  ["我先生体检前需要空腹吗", "exam-fasting"],
];

describe("a medical question the folder does not cover", () => {
  it("gets no answer, although its everyday words (吃, 药) match a source", async () => {
    const result = await retrieve(index, "孩子发烧38.5度要吃退烧药吗");
    expect(result.noAnswer).toBe(true);
    expect(result.confidence.unknownWords).toEqual(expect.arrayContaining(["退烧药"]));
  });

  it("gets no answer when it asks about a condition the folder never names, although it uses the folder's words (哺乳期)", async () => {
    const result = await retrieve(index, "哺乳期得了乳腺炎怎么办");
    // In the folder's domain by its vocabulary: the topic check alone decides.
    expect(result.confidence.domainSpecificity).toBeGreaterThanOrEqual(DEFAULT_RETRIEVAL_SETTINGS.minDomainSpecificity);
    expect(result.confidence.keywordCoverage).toBeGreaterThanOrEqual(DEFAULT_RETRIEVAL_SETTINGS.minKeywordCoverage);
    expect(result.confidence.unknownWords).toEqual(["乳腺炎"]);
    expect(result.confidence.questionCoverage).toBeLessThan(DEFAULT_RETRIEVAL_SETTINGS.minQuestionCoverage);
    expect(result.noAnswer).toBe(true);
    expect(result.hits.length).toBeGreaterThan(0);
  });

  it("gets no answer when the condition it is about is only told, not asked about, if its characters are plainly the folder's", async () => {
    // 胃镜 follows no 是/查出 and precedes no question word, yet the question is about it.
    const result = await retrieve(index, "哺乳期做了胃镜说胃炎，能喂奶吗");
    expect(result.confidence.unknownWords).toContain("胃镜");
    expect(result.noAnswer).toBe(true);
  });

  it("gets no answer when it names the uncovered condition twice, although the best source shares much of the rest", async () => {
    const result = await retrieve(index, "哺乳期乳腺炎能喝咖啡吗？乳腺炎会影响喂奶吗");
    expect(result.confidence.unknownWords).toEqual(["乳腺炎"]);
    expect(result.confidence.questionCoverage).toBeGreaterThanOrEqual(DEFAULT_RETRIEVAL_SETTINGS.minQuestionCoverage);
    expect(result.noAnswer).toBe(true);
  });

  it("a no-answer near the folder's topics says it is not covered and offers the hits as suggestions, cited nowhere and without the disclaimer", async () => {
    const found = await retrieve(index, "哺乳期能吃感冒药吗");
    // The shape retrieve gives a question in the domain whose topic no source covers.
    const uncovered = { ...found, noAnswer: true, nearTopic: true };
    const answer = composeAnswer(uncovered, index.sources, { ...DEFAULT_COMPOSE_OPTIONS, publicBaseUrl: "http://127.0.0.1:3000" });
    expect(answer.noAnswer).toBe(true);
    expect(answer.text).toContain(NO_ANSWER_TEXTS.notCovered);
    expect(answer.paragraphs.flatMap((paragraph) => paragraph.citations)).toEqual([]);
    expect(answer.citations).toEqual([]);
    expect(answer.disclaimer).toBe(false);
    expect(answer.related.map((related) => related.sourceId)).toEqual(found.hits.slice(0, DEFAULT_COMPOSE_OPTIONS.maxRelated).map((hit) => hit.sourceId));
    expect(answer.related[0].url).toMatch(/^http:\/\/127\.0\.0\.1:3000\//);
  });

  it("an off-topic question gets the plain no-answer without suggestions", async () => {
    const result = await retrieve(index, "今天天气怎么样");
    const answer = composeAnswer(result, index.sources, { ...DEFAULT_COMPOSE_OPTIONS, publicBaseUrl: "http://127.0.0.1:3000" });
    expect(answer.noAnswer).toBe(true);
    expect(answer.text).toContain(NO_ANSWER_TEXTS.notFound);
    expect(answer.related).toEqual([]);
  });
});

describe("questions the folder covers", () => {
  it.each(COVERED)("%s keeps its answer from %s", async (question, sourceId) => {
    const result = await retrieve(index, question);
    expect(result.noAnswer, JSON.stringify(result.confidence)).toBe(false);
    expect(result.hits[0].sourceId).toBe(sourceId);
  });
});
