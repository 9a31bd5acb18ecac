/**
 * An incremental re-index writes only what changed: the new version links the base rows (sources,
 * chunks, keyword postings, graph) of the serving version unchanged and writes the changed rows as
 * its own. Loaded, it serves what one index of all its rows serves: the same chunks and sources in
 * the same order, keyword search identical to a fresh build of the folder, a graph holding exactly
 * the live chunks. Past its bound of own rows it compacts into a version without layers.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { versionDirectory } from "../../src/store/index-layout.js";
import { buildKeywordPostings, emptyKeywordPostings, mergeLayerPostings } from "../../src/store/keyword-postings.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { type LoadedIndex, loadIndex } from "../../src/store/loaded-index.js";
import { searchVectorStore } from "../../src/store/vector-store.js";
import { knownManifest } from "../../src/store/version-files.js";
import { keywordTerms } from "../../src/text/keyword-terms.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
const QUESTIONS = ["医保卡丢了怎么办", "门诊报销比例", "高血压能吃党参吗", "异地就医备案", "亲情账户", "批量问题3怎么办"];
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-layered-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

function faqTable(rows: [string, string, string][]): string {
  return `id,question,answer\n${rows.map((row) => row.join(",")).join("\n")}\n`;
}

const BASE_ROWS: [string, string, string][] = [
  ["faq-1", "医保卡丢了怎么办", "先挂失，再到经办机构补办。"],
  ["faq-2", "异地就医怎么备案", "通过国家医保服务平台APP办理备案。"],
  ["faq-3", "高血压能吃党参吗", "高血压病人可以口服党参。"],
  ["faq-4", "门诊报销比例是多少", "普通门诊由统筹基金按比例支付。"],
];

async function folder(): Promise<{ knowledgeDir: string; indexDir: string }> {
  const root = await mkdtemp(path.join(workDir, "case-"));
  const knowledgeDir = path.join(root, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(BASE_ROWS));
  return { knowledgeDir, indexDir: path.join(root, "index") };
}

/** What a fresh full build of the same folder serves, to compare a layered version against. */
async function freshBuildOf(knowledgeDir: string): Promise<LoadedIndex> {
  const indexDir = await mkdtemp(path.join(workDir, "fresh-"));
  await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
  return loadIndex(indexDir, local);
}

/** Same rows, sources and keyword ranking as a fresh build; a graph of exactly the live chunks, each under its own label. */
async function expectServesAsOneIndex(loaded: LoadedIndex, knowledgeDir: string): Promise<void> {
  const fresh = await freshBuildOf(knowledgeDir);
  expect(loaded.chunks.map((chunk) => chunk.chunkId)).toEqual(fresh.chunks.map((chunk) => chunk.chunkId));
  expect([...loaded.sources.keys()]).toEqual([...fresh.sources.keys()]);
  expect(loaded.chunkSources.map((source) => source.contentHash)).toEqual(fresh.chunkSources.map((source) => source.contentHash));
  for (const question of QUESTIONS) {
    const terms = keywordTerms(question);
    expect(loaded.keywordIndex.search(terms, 10)).toEqual(fresh.keywordIndex.search(terms, 10));
    for (const term of terms) expect(loaded.keywordIndex.documentFrequency(term)).toBe(fresh.keywordIndex.documentFrequency(term));
  }
  const everything = searchVectorStore(loaded.vectorStore, await loaded.embedder.embedQuery("医保"), loaded.manifest.hnsw.nextLabel);
  expect(everything).toHaveLength(loaded.chunks.length);
  const rows = everything.map((hit) => loaded.rowByLabel[hit.label]).sort((left, right) => left - right);
  expect(rows).toEqual(loaded.chunks.map((_, row) => row));
}

const inode = async (file: string) => (await stat(file)).ino;

describe("a layered version", () => {
  it("links the base files and the graph from the serving version and writes only the changed row", async () => {
    const { knowledgeDir, indexDir } = await folder();
    const first = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    const firstDir = versionDirectory(indexDir, first.summary.version!);
    const rows = BASE_ROWS.map((row) => [...row] as [string, string, string]);
    rows[2][2] = "高血压病人可以适量口服党参。";
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(rows));

    const second = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(second.summary).toMatchObject({ full: false, changed: ["faq-3"], embeddedChunks: 1 });
    const secondDir = versionDirectory(indexDir, second.summary.version!);
    for (const [linked, original] of [
      ["base/sources.json", "sources.json"],
      ["base/chunks.json", "chunks.json"],
      ["base/keywords.bin", "keywords.bin"],
      ["hnsw/hnswlib.index", "hnsw/hnswlib.index"],
    ])
      expect(await inode(path.join(secondDir, linked)), linked).toBe(await inode(path.join(firstDir, original)));
    // Its own files hold the changed row alone.
    expect(JSON.parse(await readFile(path.join(secondDir, "chunks.json"), "utf8")).map((chunk: { chunkId: string }) => chunk.chunkId)).toEqual(["faq-3#0"]);
    expect(JSON.parse(await readFile(path.join(secondDir, "sources.json"), "utf8")).map((source: { sourceId: string }) => source.sourceId)).toEqual(["faq-3"]);

    // The manifest this process sealed is what parsing its file gives, so reading it back need not parse it.
    const manifestText = await readFile(path.join(secondDir, "manifest.json"), "utf8");
    const parsedManifest = JSON.parse(manifestText);
    expect(knownManifest(manifestText)).toStrictEqual(parsedManifest);
    expect(Object.keys(knownManifest(manifestText)!.sources)).toEqual(Object.keys(parsedManifest.sources));
    const loaded = await loadIndex(indexDir, local);
    expect(loaded.manifest.layers).toBeDefined();
    // Every file, the linked ones too, is listed with its real checksum.
    for (const record of loaded.manifest.files)
      expect(
        createHash("sha256")
          .update(await readFile(path.join(secondDir, record.path)))
          .digest("hex"),
        record.path,
      ).toBe(record.sha256);
    expect(loaded.sources.get("faq-3")?.text).toBe("高血压病人可以适量口服党参。");
    await expectServesAsOneIndex(loaded, knowledgeDir);
  });

  it("stays right over a chain of changes, removals and additions, then compacts past its bound of own rows", async () => {
    const { knowledgeDir, indexDir } = await folder();
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    const steps: [string, string, string][][] = [
      [BASE_ROWS[0], ["faq-2", "异地就医怎么备案", "在APP上办理异地就医备案，当天生效。"], BASE_ROWS[2], BASE_ROWS[3]],
      // faq-2 changes again (its first change is gone from the graph without ever being in it), faq-1 goes, faq-5 comes.
      [["faq-5", "医保卡密码忘了", "带身份证到银行网点重置。"], ["faq-2", "异地就医怎么备案", "异地就医备案可在线办理。"], BASE_ROWS[2], BASE_ROWS[3]],
      // Back to the base's text for faq-2: served from the version's own rows, not the base's (its label there is deleted).
      [["faq-5", "医保卡密码忘了", "带身份证到银行网点重置。"], BASE_ROWS[1], BASE_ROWS[2], BASE_ROWS[3]],
    ];
    for (const rows of steps) {
      await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(rows));
      const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
      expect(summary.full).toBe(false);
      const loaded = await loadIndex(indexDir, local);
      expect(loaded.manifest.layers).toBeDefined();
      await expectServesAsOneIndex(loaded, knowledgeDir);
    }
    const layered = await loadIndex(indexDir, local);

    // More own rows than a layered version holds: this re-index writes every file again.
    const many = Array.from({ length: 300 }, (_, index) => [`bulk-${index}`, `批量问题${index}怎么办`, `批量答案${index}。`] as [string, string, string]);
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...steps[2], ...many]));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(summary).toMatchObject({ full: false, embeddedChunks: 300 });
    const compacted = await loadIndex(indexDir, local);
    expect(compacted.manifest.layers).toBeUndefined();
    expect(compacted.manifest.hnsw.nextLabel).toBe(layered.manifest.hnsw.nextLabel + 300);
    await expectServesAsOneIndex(compacted, knowledgeDir);
    // Unchanged chunks kept their vectors through the layers and the compaction.
    const vectorOf = (index: LoadedIndex, sourceId: string) => index.vectorStore.index.getPoint(index.manifest.sources[sourceId].chunkLabels[0]);
    for (const sourceId of ["faq-5", "faq-2", "faq-3"]) expect(vectorOf(compacted, sourceId)).toEqual(vectorOf(layered, sourceId));
  });

  it("finds its sources when their ids are integer-like (which JSON.parse lists first, out of the folder's order)", async () => {
    const { knowledgeDir, indexDir } = await folder();
    const numbered = BASE_ROWS.map(([, question, answer], index) => [String(20 - index), question, answer] as [string, string, string]);
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(numbered));
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    for (const answer of ["先打电话挂失，再补办。", "先挂失，再到经办机构补办新卡。"]) {
      numbered[0] = [numbered[0][0], numbered[0][1], answer];
      await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...numbered, ["3", "医保卡密码忘了", answer]]));
      const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
      expect(summary.full).toBe(false);
      const loaded = await loadIndex(indexDir, local);
      expect(loaded.manifest.layers).toBeDefined();
      await expectServesAsOneIndex(loaded, knowledgeDir);
    }
  });

  it("is never reused when a file it would link is damaged: the next re-index rebuilds in full", async () => {
    const { knowledgeDir, indexDir } = await folder();
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...BASE_ROWS, ["faq-9", "医保卡能借给别人用吗", "不能，医保卡限本人使用。"]]));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    const versionDir = versionDirectory(indexDir, summary.version!);
    const baseChunks = path.join(versionDir, "base", "chunks.json");
    const bytes = await readFile(baseChunks);
    const { atime, mtime } = await stat(baseChunks);
    bytes[Math.floor(bytes.length / 2)] ^= 0x20;
    await writeFile(baseChunks, bytes);
    // Same size, and the modification time set back: this process hashed the file before, and must not trust that now.
    await utimes(baseChunks, atime, mtime);
    await expect(loadIndex(indexDir, local)).rejects.toMatchObject({ code: "INDEX_CORRUPT", message: expect.stringContaining("base/chunks.json") });

    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(BASE_ROWS));
    const rebuilt = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(rebuilt.summary.full).toBe(true);
    await expectServesAsOneIndex(await loadIndex(indexDir, local), knowledgeDir);
  });

  it("refuses added vectors that do not match the manifest, naming vectors.bin", async () => {
    const { knowledgeDir, indexDir } = await folder();
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...BASE_ROWS, ["faq-9", "医保卡能借给别人用吗", "不能，医保卡限本人使用。"]]));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    await writeFile(path.join(versionDirectory(indexDir, summary.version!), "vectors.bin"), Buffer.alloc(16));
    await expect(loadIndex(indexDir, local)).rejects.toMatchObject({ code: "INDEX_CORRUPT", message: expect.stringContaining("vectors.bin") });
  });
});

describe("keyword postings of two layers", () => {
  it("are array for array the postings of one index of all the rows", () => {
    const document = (title: string, body: string) => ({ titleTerms: keywordTerms(title), bodyTerms: keywordTerms(body) });
    const base = [
      document("医保卡丢了怎么办", "先挂失，再补办。"),
      document("异地就医怎么备案", "在APP上备案。"),
      document("高血压能吃党参吗", "可以适量服用。"),
    ];
    const own = [document("医保卡密码忘了", "到银行网点重置。"), document("高血压能吃党参吗", "血压控制不好时先咨询医生。")];
    // The version: base row 0, own row 0, base row 1, own row 1 (base row 2 was changed into own row 1).
    const merged = mergeLayerPostings(buildKeywordPostings(base), Int32Array.from([0, 2, -1]), buildKeywordPostings(own), Int32Array.from([1, 3]), 4);
    const expected = buildKeywordPostings([base[0], own[0], base[1], own[1]]);
    expect(merged.terms).toEqual(expected.terms);
    for (const key of ["offsets", "rows", "titleFrequencies", "bodyFrequencies", "titleLengths", "bodyLengths"] as const)
      expect(Array.from(merged[key]), key).toEqual(Array.from(expected[key]));
    const nothingOwn = mergeLayerPostings(buildKeywordPostings(base), Int32Array.from([0, 1, 2]), emptyKeywordPostings(), new Int32Array(0), 3);
    expect(new KeywordIndex(nothingOwn).search(keywordTerms("党参"), 3)).toEqual(new KeywordIndex(buildKeywordPostings(base)).search(keywordTerms("党参"), 3));
  });
});
