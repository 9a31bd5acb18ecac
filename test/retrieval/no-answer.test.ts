/**
 * The no-answer decision on a small hand-written medical FAQ (test/fixtures/medical-faq.csv):
 * off-topic questions get no answer, patients' questions in the folder's domain do. The
 * calibration on the real medqa corpus and its dev queries is in test/eval/.
 */
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { domainSpecificity } from "../../src/retrieval/domain-specificity.js";
import { keywordTerms } from "../../src/text/keyword-terms.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };

/** Patients' wording, not the FAQ's: each should be answered from the named row. */
const IN_DOMAIN_QUESTIONS: [question: string, sourceId: string][] = [
  ["高血压的人吃饭要注意什么", "faq-hypertension-diet"],
  ["降压药吃了血压正常了可以停吗", "faq-hypertension-medicine"],
  ["我爸有糖尿病，我以后会不会也得", "faq-diabetes-heredity"],
  ["得了糖尿病还能吃水果吗", "faq-diabetes-fruit"],
  ["查出幽门螺杆菌阳性要不要治", "faq-helicobacter"],
  ["感冒了要不要吃消炎药抗生素", "faq-cold-antibiotic"],
  ["尿酸高了平时不能吃什么", "faq-uric-acid"],
  ["体检发现甲状腺结节要开刀吗", "faq-thyroid-nodule"],
  ["乙肝大三阳吃饭会传染家里人吗", "faq-hepatitis-b"],
  ["晚上老是失眠睡不着怎么办", "faq-insomnia"],
];

describe("domain specificity", () => {
  const documents = ["高血压患者能吃党参吗 高血压病人可以口服党参", "糖尿病会遗传吗 糖尿病有一定遗传倾向", "高血压怎么治疗 控制食盐，口服降压药"].map(
    (text) => ({
      titleTerms: [],
      bodyTerms: keywordTerms(text),
    }),
  );
  const index = KeywordIndex.build(documents);

  it("is high for a question in the folder's vocabulary and low for everyday words", () => {
    expect(domainSpecificity(keywordTerms("我有高血压能不能吃党参"), index)).toBeGreaterThan(4);
    expect(domainSpecificity(keywordTerms("今天天气怎么样"), index)).toBeLessThan(4);
    expect(domainSpecificity(keywordTerms("量子计算机"), index)).toBe(0);
    expect(domainSpecificity([], KeywordIndex.build([]))).toBe(0);
  });
});

describe("no-answer decision on a small medical FAQ", () => {
  let work: string;
  let index: LoadedIndex;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "kb-noanswer-"));
    await mkdir(path.join(work, "knowledge"));
    await cp(path.join(PROJECT_ROOT, "test/fixtures/medical-faq.csv"), path.join(work, "knowledge/medical-faq.csv"));
    await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: local });
    index = await loadIndex(path.join(work, "index"), local);
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("gives no answer to off-topic questions", async () => {
    const questions = (await readFile(path.join(PROJECT_ROOT, "test/fixtures/off-topic-questions.txt"), "utf8")).trim().split("\n");
    expect(questions.length).toBeGreaterThanOrEqual(50);
    const answered: string[] = [];
    for (const question of questions) if (!(await retrieve(index, question)).noAnswer) answered.push(question);
    expect(answered).toEqual([]);
  });

  it("answers patients' questions in the folder's domain from the right row", async () => {
    const outcomes = [];
    for (const [question] of IN_DOMAIN_QUESTIONS) {
      const result = await retrieve(index, question);
      outcomes.push({ question, answered: !result.noAnswer, top: result.hits[0]?.sourceId });
    }
    expect(outcomes).toEqual(IN_DOMAIN_QUESTIONS.map(([question, sourceId]) => ({ question, answered: true, top: sourceId })));
  });
});
