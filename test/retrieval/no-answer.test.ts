import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { domainSpecificity } from "../../src/retrieval/domain-specificity.js";
import { keywordTerms } from "../../src/retrieval/keyword-terms.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT, SHARED_DIR } from "../support/test-knowledge-bot.js";

describe("domain specificity", () => {
  const documents = ["高血压患者能吃党参吗 高血压病人可以口服党参", "糖尿病会遗传吗 糖尿病有一定遗传倾向", "高血压怎么治疗 控制食盐，口服降压药"].map((text) => ({
    titleTerms: [],
    bodyTerms: keywordTerms(text),
  }));
  const index = KeywordIndex.build(documents);

  it("is high for a question in the folder's vocabulary and low for everyday words", () => {
    expect(domainSpecificity(keywordTerms("我有高血压能不能吃党参"), index)).toBeGreaterThan(4);
    expect(domainSpecificity(keywordTerms("今天天气怎么样"), index)).toBeLessThan(4);
    expect(domainSpecificity(keywordTerms("量子计算机"), index)).toBe(0);
    expect(domainSpecificity([], KeywordIndex.build([]))).toBe(0);
  });
});

describe("no-answer threshold on the medqa corpus", () => {
  let work: string;
  let index: LoadedIndex;
  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "kb-noanswer-"));
    await cp(path.join(SHARED_DIR, "eval/medqa/corpus.csv"), path.join(work, "knowledge/corpus.csv"));
    await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: { kind: "local", batchSize: 64 } });
    index = await loadIndex(path.join(work, "index"), { kind: "local", batchSize: 64 });
  }, 120_000);
  afterAll(() => rm(work, { recursive: true, force: true }));

  it("gives no answer to off-topic questions", async () => {
    const questions = (await readFile(path.join(PROJECT_ROOT, "test/fixtures/off-topic-questions.txt"), "utf8")).trim().split("\n");
    expect(questions.length).toBeGreaterThanOrEqual(50);
    const answered: string[] = [];
    for (const question of questions) if (!(await retrieve(index, question)).noAnswer) answered.push(question);
    expect(answered).toEqual([]);
  });

  it("answers real patient questions (at most 3% lost on a sample of the dev queries)", async () => {
    const lines = (await readFile(path.join(SHARED_DIR, "eval/medqa/dev-queries.jsonl"), "utf8")).trim().split("\n");
    const sample = lines.filter((_, position) => position % 13 === 0).map((line) => (JSON.parse(line) as { query: string }).query);
    let lost = 0;
    for (const question of sample) if ((await retrieve(index, question)).noAnswer) lost++;
    expect(sample.length).toBeGreaterThan(250);
    expect(lost / sample.length).toBeLessThanOrEqual(0.03);
  });
});
