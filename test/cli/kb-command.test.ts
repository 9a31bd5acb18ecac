import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { runKb as kb } from "../support/run-kb.js";

let work: string;
/** An index of the seed folder, built once and only read by the tests (ask, search, eval, usage). */
let index: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "kb-cli-"));
  index = path.join(work, "index");
  await buildIndex({ knowledgeDir: SEED_KNOWLEDGE_DIR, indexDir: index, embedder: { kind: "local", batchSize: 64 } });
});

/** A copy of the seed folder and an index path of its own, for a test that re-indexes. */
async function ownFolder(name: string): Promise<{ knowledge: string; index: string }> {
  const knowledge = path.join(work, name, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledge, { recursive: true });
  return { knowledge, index: path.join(work, name, "index") };
}
afterAll(() => rm(work, { recursive: true, force: true }));

describe("kb command", () => {
  it("reindex --json prints the summary; a second run reports nothing changed", async () => {
    const { knowledge, index } = await ownFolder("first-run");
    const first = await kb(["reindex", "--knowledge", knowledge, "--index", index, "--json"]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ sources: 21, full: true, errors: [] });
    const second = await kb(["reindex", "--knowledge", knowledge, "--index", index]);
    expect(second.stdout).toMatch(/0 added, 0 changed, 0 removed, 21 unchanged/);
    expect(second.stdout).toMatch(/0 embedded/);
  });

  it("reindex shows its progress on stderr: each phase and step, and the embedding counts", async () => {
    const { knowledge, index } = await ownFolder("progress");
    const run = await kb(["reindex", "--knowledge", knowledge, "--index", index]);
    expect(run.code).toBe(0);
    const lines = run.stderr.trim().split("\n");
    for (const step of ["loading reading", "loading segmenting", "embedding", "writing keywords", "writing graph", "writing files", "writing checksums"])
      expect(lines.some((line) => line.startsWith(step))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^embedding \d+\/\d+$/));
    // Steps come in build order.
    expect(lines.findIndex((line) => line.startsWith("loading reading"))).toBeLessThan(lines.findIndex((line) => line.startsWith("embedding")));
    expect(lines.findIndex((line) => line.startsWith("embedding"))).toBeLessThan(lines.findIndex((line) => line.startsWith("writing checksums")));
  });

  it("reindex --dry-run lists the diff and writes nothing", async () => {
    const { knowledge, index } = await ownFolder("dry-run");
    expect((await kb(["reindex", "--knowledge", knowledge, "--index", index])).code).toBe(0);
    await writeFile(path.join(knowledge, "new.md"), "---\ntitle: 新文章\n---\n门诊报销需要带医保卡。\n");
    const dry = await kb(["reindex", "--knowledge", knowledge, "--index", index, "--dry-run", "--json"]);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, added: ["new.md"] });
    const again = await kb(["reindex", "--knowledge", knowledge, "--index", index, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ added: ["new.md"], embeddedChunks: 1 });
  });

  it("ask prints the answer with its citation, and --json the documented shape", async () => {
    const plain = await kb(["ask", "亲情账户和家庭共济账户有什么区别", "--index", index]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain("[1] 职工医保亲情账户和共济账户区别");
    expect(plain.stdout).toContain("本内容不能代替面诊，如有不适请尽快就医。");
    const json = JSON.parse((await kb(["ask", "五指山在哪个省", "--index", index, "--json"])).stdout);
    expect(Object.keys(json)).toEqual(expect.arrayContaining(["text", "paragraphs", "citations", "disclaimer", "noAnswer", "related"]));
    expect(json.paragraphs[0].citations).toEqual([1]);
    expect(json.text.startsWith(`${json.paragraphs[0].text}[1]`)).toBe(true);
    expect(json.citations[0]).toMatchObject({
      sourceId: "000_9de61d0cf05b51f0.txt#related-4",
      title: "五指山在哪个省黄山在哪个省",
      url: expect.stringContaining("/kb/"),
    });
    expect(json.disclaimer).toBe(false);
  });

  it("search reads JSON lines and writes one result line per query, reporting bad lines", async () => {
    const result = await kb(["search", "--index", index, "--k", "3", "--json"], '{"query":"医保卡跨市使用"}\nnot json\n{"query":"五指山"}\n');
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0].results).toHaveLength(3);
    expect(lines[0].results[0]).toEqual({ sourceId: expect.any(String), title: expect.any(String), url: null, score: expect.any(Number) });
    expect(lines[1]).toMatchObject({ line: 2, error: expect.stringContaining("expected") });
    expect(lines[2].results[0].title).toMatch(/五指山/);
  });

  it("eval reports hit@k, MRR and latency", async () => {
    const queries = path.join(work, "queries.jsonl");
    await writeFile(
      queries,
      '{"query":"亲情账户和家庭共济账户有什么区别","expected":["000_9de61d0cf05b51f0.txt"]}\n{"query":"五指山在哪个省","expected":["000_9de61d0cf05b51f0.txt#related-4"]}\n',
    );
    const report = JSON.parse((await kb(["eval", "--queries", queries, "--index", index, "--json"])).stdout);
    expect(report).toMatchObject({ queries: 2, hitAt1: 1, hitAt5: 1, mrrAt10: 1 });
    expect(report.latencyMs.p50).toBeGreaterThan(0);
  });

  it("fails with usage on unknown flags, missing values and a missing index", async () => {
    const unknown = await kb(["reindex", "--frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/);
    const missing = await kb(["ask"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument/);
    const badK = await kb(["search", "--k", "zero", "--index", index]);
    expect(badK.code).toBe(2);
    const noQueries = await kb(["eval", "--index", index]);
    expect(noQueries.code).toBe(2);
    const noIndex = await kb(["ask", "x", "--index", path.join(work, "nowhere")]);
    expect(noIndex.code).toBe(1);
    expect(noIndex.stderr).toMatch(/INDEX_MISSING.*kb reindex/);
    expect((await kb(["frob"])).code).toBe(2);
  });
});
