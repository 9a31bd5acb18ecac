/**
 * kb eval and kb search for finding out why an answer is wrong: --misses, expected ids checked
 * against the index, "expected": [] as a right no-answer, the uncovered/covered report, and
 * kb search taking the question as an argument and failing on a stdin line that is not JSON.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { runKb as kb } from "../support/run-kb.js";

const FAMILY_POOL = "000_9de61d0cf05b51f0.txt";
let work: string;
let index: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-eval-search-"));
  index = path.join(work, "index");
  await buildIndex({ knowledgeDir: SEED_KNOWLEDGE_DIR, indexDir: index, embedder: { kind: "local", batchSize: 64 } });
});
afterAll(() => rm(work, { recursive: true, force: true }));

async function queryFile(name: string, lines: object[]): Promise<string> {
  const file = path.join(work, name);
  await writeFile(file, lines.map((line) => JSON.stringify(line)).join("\n") + "\n");
  return file;
}

describe("kb search", () => {
  it("takes the question as an argument", async () => {
    const result = await kb(["search", "亲情账户和家庭共济账户有什么区别", "--index", index, "--k", "2"]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ query: "亲情账户和家庭共济账户有什么区别", noAnswer: false });
    expect(line.results[0].sourceId).toBe(FAMILY_POOL);
  });

  it("exits non-zero when a stdin line is not JSON, after answering the good lines", async () => {
    const result = await kb(["search", "--index", index], '{"query":"五指山在哪个省"}\nnot json\n');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/line\(s\) 2/);
    expect(JSON.parse(result.stdout.trim().split("\n")[0]).results.length).toBeGreaterThan(0);
  });
});

describe("kb eval", () => {
  it("--misses prints each failed query with the expected and returned titles", async () => {
    const queries = await queryFile("misses.jsonl", [
      { query: "亲情账户和家庭共济账户有什么区别", expected: [FAMILY_POOL] },
      { query: "五指山在哪个省", expected: [FAMILY_POOL] },
    ]);
    const result = await kb(["eval", "--queries", queries, "--index", index, "--k", "1", "--misses"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/misses 1/);
    expect(result.stdout).toMatch(/- 五指山在哪个省\n {2}expected: .*\(000_9de61d0cf05b51f0\.txt\)\n {2}returned: .*五指山/);
    expect(result.stdout).not.toMatch(/- 亲情账户和家庭共济账户有什么区别/);
  });

  it("fails on an expected id that is not in the index", async () => {
    const queries = await queryFile("unknown-id.jsonl", [{ query: "五指山在哪个省", expected: ["no-such-source"] }]);
    const result = await kb(["eval", "--queries", queries, "--index", index]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no-such-source/);
  });

  it('counts "expected": [] as right when the bot gives no answer, and wrong when it answers', async () => {
    const queries = await queryFile("no-answer.jsonl", [
      { query: "今天天气怎么样", expected: [] },
      { query: "亲情账户和家庭共济账户有什么区别", expected: [] },
    ]);
    const report = JSON.parse((await kb(["eval", "--queries", queries, "--index", index, "--json", "--misses"])).stdout);
    expect(report).toMatchObject({ queries: 2, hitAt1: 0.5, hitAt10: 0.5, noAnswerRate: 0 });
    expect(report.misses).toHaveLength(1);
    expect(report.misses[0]).toMatchObject({ query: "亲情账户和家庭共济账户有什么区别", expected: [], noAnswer: false });
  });

  it("--unanswerable reports the share answered of the uncovered and the covered questions", async () => {
    const queries = await queryFile("unanswerable.jsonl", [
      { query: "今天天气怎么样", expected: [] },
      { query: "亲情账户和家庭共济账户有什么区别", expected: [FAMILY_POOL] },
    ]);
    const report = JSON.parse((await kb(["eval", "--unanswerable", queries, "--index", index, "--json"])).stdout);
    expect(report).toEqual({ unanswerable: { queries: 1, answered: 0 }, answerable: { queries: 1, answered: 1, rightFirst: 1 }, misses: [] });
    // --misses names an uncovered question that got an answer, with the sources it was answered from.
    const missed = await queryFile("unanswerable-missed.jsonl", [{ query: "亲情账户和家庭共济账户有什么区别", expected: [] }]);
    const printed = await kb(["eval", "--unanswerable", missed, "--index", index, "--misses"]);
    expect(printed.stdout).toMatch(/uncovered, answered: 亲情账户和家庭共济账户有什么区别 → .+ \(subjects: .+\)/);
    const both = await kb(["eval", "--unanswerable", queries, "--queries", queries, "--index", index]);
    expect(both.code).toBe(2);
  });
});
