/**
 * The subject part of the no-answer decision (subject-coverage.ts) on a small folder about 医保, 体检 and
 * medicines while breastfeeding: a medical question on a topic the folder does not cover gets no
 * answer (with the neighbouring sources as suggestions, not as an answer), while the questions the
 * folder covers keep their answers. The calibration on the medqa corpus is in test/eval/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeAnswer, DEFAULT_COMPOSE_OPTIONS } from "../../src/retrieval/compose-answer.js";
import { NO_ANSWER_TEXTS } from "../../src/retrieval/no-answer-reply.js";
import { DEFAULT_RETRIEVAL_SETTINGS, retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { indexOfFolder } from "../support/folder-index.js";

let index: LoadedIndex;
let remove: () => Promise<void>;
beforeAll(async () => ({ index, remove } = await indexOfFolder({ "faq.csv": { copyOf: "test/fixtures/insurance-exam-nursing-faq.csv" } })));
afterAll(() => remove());

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

const subjectsOf = (result: { confidence: { subjects?: { word: string; found: string }[] } }) =>
  Object.fromEntries((result.confidence.subjects ?? []).map((subject) => [subject.word, subject.found]));

describe("a question whose subject the folder does not cover", () => {
  it("gets no answer naming the uncovered medical term, although its everyday words (吃, 药) match a source", async () => {
    const result = await retrieve(index, "孩子发烧38.5度要吃退烧药吗");
    expect(result.noAnswer).toBe(true);
    expect(subjectsOf(result)).toMatchObject({ 退烧药: "nowhere" });
    expect(result.missingSubject).toContain("退烧药");
  });

  it("gets no answer when it asks about a condition the folder never names, although it uses the folder's words (哺乳期)", async () => {
    const result = await retrieve(index, "哺乳期得了乳腺炎怎么办");
    // In the folder's domain by its vocabulary: the subject check alone decides.
    expect(result.confidence.domainSpecificity).toBeGreaterThanOrEqual(DEFAULT_RETRIEVAL_SETTINGS.minDomainSpecificity);
    expect(result.confidence.keywordCoverage).toBeGreaterThanOrEqual(DEFAULT_RETRIEVAL_SETTINGS.minKeywordCoverage);
    expect(subjectsOf(result)).toMatchObject({ 哺乳期: "source", 乳腺炎: "nowhere" });
    expect(result.noAnswer).toBe(true);
    expect(result.nearTopic).toBe(true);
    expect(result.missingSubject).toBe("乳腺炎");
    expect(result.hits.length).toBeGreaterThan(0);
  });

  it("names two missing places as the stretch of the question between them", async () => {
    const result = await retrieve(index, "北京医保在上海能用吗");
    expect(subjectsOf(result)).toMatchObject({ 北京: "nowhere", 上海: "nowhere" });
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toBe("北京医保在上海");
  });

  it("checks a place against the source it would answer from: the folder's 福建 does not answer about 江苏", async () => {
    const covered = await retrieve(index, "福建医保家庭共济能给父母用吗");
    expect(covered.noAnswer).toBe(false);
    expect(covered.hits[0].sourceId).toBe("fj-family-pool");
    const result = await retrieve(index, "江苏医保家庭共济能给父母用吗");
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toBe("江苏");
  });

  it("gets no answer for a named thing the folder lacks (a procedure, a thing), naming it", async () => {
    const result = await retrieve(index, "医保卡密码忘了怎么重置");
    expect(result.noAnswer).toBe(true);
    expect(result.missingSubject).toMatch(/密码|重置/);
  });

  it("counts a synonym as covering the subject: 拉肚子 is found as 腹泻, 喂奶 as 哺乳", async () => {
    const result = await retrieve(index, "喂奶的时候能喝咖啡吗");
    expect(result.noAnswer, JSON.stringify(result.confidence)).toBe(false);
    expect(result.hits[0].sourceId).toBe("nursing-coffee");
  });

  it("needs no coverage for everyday words (家里, 一样, 别的)", async () => {
    const result = await retrieve(index, "家里别的人医保卡丢了也一样补办吗");
    expect(Object.keys(subjectsOf(result))).not.toEqual(expect.arrayContaining(["家里"]));
    expect(result.noAnswer, JSON.stringify(result.confidence)).toBe(false);
    expect(result.hits[0].sourceId).toBe("medical-card-lost");
  });

  it("a no-answer near the folder's topics says it is not covered and offers the hits as suggestions, cited nowhere and without the disclaimer", async () => {
    const found = await retrieve(index, "哺乳期能吃感冒药吗");
    // The shape retrieve gives a question in the domain whose topic no source covers.
    const uncovered = { ...found, noAnswer: true, nearTopic: true, missingSubject: "乳腺炎" };
    const answer = composeAnswer(uncovered, index.sources, { ...DEFAULT_COMPOSE_OPTIONS, publicBaseUrl: "http://127.0.0.1:3000" });
    expect(answer.noAnswer).toBe(true);
    expect(answer.text).toContain(NO_ANSWER_TEXTS.missing("乳腺炎"));
    expect(answer.missingSubject).toBe("乳腺炎");
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
