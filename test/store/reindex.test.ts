import { spawn } from "node:child_process";
import { appendFile, cp, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { buildIndex } from "../../src/ingest/build-index.js";
import { readCurrentVersion, versionsDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { LOCK_FILE_NAME, withReindexLock } from "../../src/store/reindex-lock.js";
import { keywordDocument, keywordTerms } from "../../src/text/keyword-terms.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { KeywordIndex } from "../../src/store/keyword-index.js";
import { searchVectorStore } from "../../src/store/vector-store.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
/** The FAQ table every test starts from, and the edit most of them make to it. */
const FAQ_FIRST = "id,question,answer\nfaq-1,医保卡丢了怎么办,先挂失，再到经办机构补办。\nfaq-2,异地就医怎么备案,通过国家医保服务平台APP办理备案。\n";
const FAQ_EDITED =
  "id,question,answer\nfaq-1,医保卡丢了怎么办,先打电话挂失，再带身份证到经办机构补办新卡。\nfaq-3,门诊报销比例是多少,普通门诊由统筹基金按比例支付。\n";
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-reindex-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

/** A folder of its own for one test: the seed page plus FAQ_FIRST, and an index not yet built. */
async function freshFolder(): Promise<{ knowledgeDir: string; indexDir: string }> {
  const folder = await mkdtemp(path.join(workDir, "case-"));
  const knowledgeDir = path.join(folder, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  await writeFile(path.join(knowledgeDir, "faq.csv"), FAQ_FIRST);
  return { knowledgeDir, indexDir: path.join(folder, "index") };
}

/** freshFolder, indexed once. */
async function builtFolder(): Promise<{ knowledgeDir: string; indexDir: string }> {
  const folder = await freshFolder();
  await buildIndex({ ...folder, embedder: local });
  return folder;
}

describe("incremental re-index", () => {
  it("builds the index, then a second run changes and embeds nothing", async () => {
    const { knowledgeDir, indexDir } = await freshFolder();
    const first = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(first.summary).toMatchObject({ full: true, sources: 23, removed: [], changed: [] });
    expect(first.summary.added).toHaveLength(23);
    expect(first.summary.embeddedChunks).toBe(first.summary.chunks);
    const second = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(second.summary).toMatchObject({ added: [], changed: [], removed: [], unchanged: 23, embeddedChunks: 0, version: first.summary.version });
    expect(await readCurrentVersion(indexDir)).toBe(first.summary.version);
  });

  it("re-embeds only the edited source and reports added, changed and removed", async () => {
    const { knowledgeDir, indexDir } = await builtFolder();
    const before = await loadIndex(indexDir, local);
    await writeFile(path.join(knowledgeDir, "faq.csv"), FAQ_EDITED);
    const dry = await buildIndex({ knowledgeDir, indexDir, embedder: local, dryRun: true });
    expect(dry.summary).toMatchObject({ dryRun: true, added: ["faq-3"], changed: ["faq-1"], removed: ["faq-2"] });
    expect(await readCurrentVersion(indexDir)).toBe(before.version);

    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(summary).toMatchObject({ full: false, added: ["faq-3"], changed: ["faq-1"], removed: ["faq-2"], unchanged: 21, embeddedChunks: 2 });
    const after = await loadIndex(indexDir, local);
    expect(after.version).not.toBe(before.version);
    expect(after.sources.has("faq-2")).toBe(false);
    const result = await retrieve(after, "门诊报销比例");
    expect(result.hits[0].sourceId).toBe("faq-3");
    // Unchanged sources keep their vectors exactly.
    const label = (index: typeof before, sourceId: string) => index.manifest.sources[sourceId].chunkLabels[0];
    const vectorOf = async (index: typeof before, sourceId: string) => (await index.vectorStore.index.getPoint(label(index, sourceId))) as number[];
    expect(await vectorOf(after, "000_9de61d0cf05b51f0.txt#related-4")).toEqual(await vectorOf(before, "000_9de61d0cf05b51f0.txt#related-4"));
    // The previous graph was updated in place: the old labels of faq-1 and faq-2 are deleted, the new chunks get fresh labels.
    expect(after.manifest.hnsw.deletedLabels).toBe(2);
    expect(label(after, "faq-1")).toBeGreaterThanOrEqual(before.manifest.hnsw.nextLabel);
    expect(label(after, "faq-3")).toBeGreaterThanOrEqual(before.manifest.hnsw.nextLabel);
    expect(after.manifest.hnsw.nextLabel).toBe(before.manifest.hnsw.nextLabel + 2);
    const removedLabel = before.manifest.sources["faq-2"].chunkLabels[0];
    const everything = searchVectorStore(after.vectorStore, await after.embedder.embedQuery("异地就医怎么备案"), after.manifest.hnsw.nextLabel);
    expect(everything).toHaveLength(after.chunks.length);
    expect(everything.map((hit) => hit.label)).not.toContain(removedLabel);
    const chunkIds = everything.map((hit) => after.chunks[after.rowByLabel[hit.label]].chunkId);
    expect(chunkIds).not.toContain("faq-2#0");
    expect(chunkIds.filter((chunkId) => chunkId === "faq-1#0")).toHaveLength(1);
    expect(removedLabel).toBeLessThan(before.manifest.hnsw.nextLabel);
    // The keyword index was updated, not rebuilt; it must rank exactly as one built from scratch.
    const rebuilt = KeywordIndex.build(after.chunks.map((chunk, row) => keywordDocument(after.chunkSources[row], chunk)));
    expect(after.keywordIndex.size).toBe(rebuilt.size);
    for (const question of ["门诊报销比例", "异地就医怎么备案", "批量问题", "亲情账户"]) {
      const terms = keywordTerms(question);
      expect(after.keywordIndex.search(terms, 10)).toEqual(rebuilt.search(terms, 10));
      for (const term of terms) expect(after.keywordIndex.documentFrequency(term)).toBe(rebuilt.documentFrequency(term));
    }
  });

  it("rebuilds the graph instead of updating it once deleted labels would pass a quarter of it", async () => {
    const { knowledgeDir, indexDir } = await builtFolder();
    // The edit leaves two deleted labels in the updated graph.
    await writeFile(path.join(knowledgeDir, "faq.csv"), FAQ_EDITED);
    await buildIndex({ knowledgeDir, indexDir, embedder: local });
    const original = FAQ_EDITED;
    const many = Array.from({ length: 12 }, (_, index) => `bulk-${index},批量问题${index}怎么办,批量答案${index}。`).join("\n");
    await writeFile(path.join(knowledgeDir, "faq.csv"), `${original.trimEnd()}\n${many}\n`);
    const grown = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(grown.summary.added).toHaveLength(12);
    const beforeRebuild = await loadIndex(indexDir, local);
    expect(beforeRebuild.manifest.hnsw.deletedLabels).toBe(2);
    await writeFile(path.join(knowledgeDir, "faq.csv"), original);
    const shrunk = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(shrunk.summary.removed).toHaveLength(12);
    const rebuilt = await loadIndex(indexDir, local);
    expect(rebuilt.manifest.hnsw).toMatchObject({ deletedLabels: 0, nextLabel: rebuilt.chunks.length });
    expect(rebuilt.chunks.map((_, row) => row)).toEqual(
      Object.values(rebuilt.manifest.sources)
        .flatMap((source) => source.chunkLabels)
        .sort((left, right) => left - right),
    );
    expect((await retrieve(rebuilt, "门诊报销比例")).hits[0].sourceId).toBe("faq-3");
    // Unchanged chunks were not re-embedded: their vectors were read back from the old graph.
    expect(shrunk.summary.embeddedChunks).toBe(0);
    for (const sourceId of ["faq-1", "faq-3", "000_9de61d0cf05b51f0.txt#related-4"]) {
      const vectorIn = (index: typeof rebuilt) => index.vectorStore.index.getPoint(index.manifest.sources[sourceId].chunkLabels[0]);
      // Equal up to float rounding: the graph normalises a vector again when it is inserted.
      const before = vectorIn(beforeRebuild);
      vectorIn(rebuilt).forEach((value, column) => expect(value).toBeCloseTo(before[column], 6));
    }
  });

  it("--full re-embeds everything and leaves no deleted labels", async () => {
    const { knowledgeDir, indexDir } = await builtFolder();
    await writeFile(path.join(knowledgeDir, "faq.csv"), FAQ_EDITED);
    await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect((await loadIndex(indexDir, local)).manifest.hnsw.deletedLabels).toBe(2);
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    expect(summary.full).toBe(true);
    expect(summary.embeddedChunks).toBe(summary.chunks);
    expect((await loadIndex(indexDir, local)).manifest.hnsw.deletedLabels).toBe(0);
  });

  it("refuses to load an index built by another embedder, saying to re-index", async () => {
    const { indexDir } = await builtFolder();
    await expect(loadIndex(indexDir, { kind: "openai", baseUrl: "http://127.0.0.1:9", model: "m", batchSize: 8 })).rejects.toMatchObject({
      code: "INDEX_EMBEDDER_MISMATCH",
      hint: expect.stringMatching(/kb reindex --full/),
    });
  });

  it("rebuilds an index written by an older version on start, and names the problem otherwise", async () => {
    const { knowledgeDir, indexDir: upgradeIndex } = await freshFolder();
    await buildIndex({ knowledgeDir, indexDir: upgradeIndex, embedder: local });
    const version = (await readCurrentVersion(upgradeIndex))!;
    const manifestFile = path.join(versionsDirectory(upgradeIndex), version, "manifest.json");
    await writeFile(manifestFile, JSON.stringify({ ...JSON.parse(await readFile(manifestFile, "utf8")), formatVersion: 2 }));
    await expect(loadIndex(upgradeIndex, local)).rejects.toMatchObject({ code: "INDEX_OUTDATED", hint: expect.stringMatching(/kb reindex/) });
    const bot = await LocalKnowledgeBot.open(
      { knowledgeDir, indexDir: upgradeIndex, embedder: local, publicBaseUrl: "http://127.0.0.1:3000" },
      { buildIfMissing: true },
    );
    expect(bot.current.version).not.toBe(version);
    expect((await bot.retrieve("门诊报销比例")).hits.length).toBeGreaterThan(0);
  });

  it("lets a second concurrent re-index wait for the first, and fails clearly when it cannot wait", async () => {
    const { knowledgeDir, indexDir } = await builtFolder();
    await appendFile(path.join(knowledgeDir, "faq.csv"), "faq-4,血压高能喝咖啡吗,少量饮用，注意监测血压。\n");
    const [first, second] = await Promise.all([
      buildIndex({ knowledgeDir, indexDir, embedder: local }),
      buildIndex({ knowledgeDir, indexDir, embedder: local, limits: { lockWaitMs: 20_000 } }),
    ]);
    // One of them did the work; the other found nothing left to do.
    expect([first.summary.added, second.summary.added].sort()).toEqual([[], ["faq-4"]]);
    await appendFile(path.join(knowledgeDir, "faq.csv"), "faq-5,感冒能洗澡吗,可以，注意保暖。\n");
    // While another re-index holds the lock, one that may not wait fails clearly and writes nothing.
    const versionBefore = await readCurrentVersion(indexDir);
    await withReindexLock(indexDir, async () => {
      await expect(buildIndex({ knowledgeDir, indexDir, embedder: local, limits: { lockWaitMs: 0 } })).rejects.toMatchObject({
        code: "INDEX_LOCKED",
        hint: expect.stringMatching(/try again/),
      });
    });
    expect(await readCurrentVersion(indexDir)).toBe(versionBefore);
    await buildIndex({ knowledgeDir, indexDir, embedder: local, limits: { lockWaitMs: 0 } });
    expect((await loadIndex(indexDir, local)).sources.has("faq-5")).toBe(true);
  });
});

describe("atomic re-index", () => {
  it("a re-index killed while writing its new version leaves the previous one serving, and the next run cleans up", async () => {
    const { knowledgeDir, indexDir } = await builtFolder();
    const good = (await readCurrentVersion(indexDir))!;
    // Enough rows that writing the new version (graph, files, checksums) takes a moment to catch.
    await writeFile(path.join(knowledgeDir, "generated.csv"), generatedFaq(GENERATED_ROWS));
    const child = spawn(process.execPath, ["--import", "tsx", path.join(PROJECT_ROOT, "test/support/reindex-child.ts"), knowledgeDir, indexDir], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let childExited = false;
    void exited.then(() => (childExited = true));

    // Poll versions/ until the build's staging folder exists, then kill the build mid-write.
    let partial: string | undefined;
    while (!partial && !childExited) {
      partial = (await readdir(versionsDirectory(indexDir))).find((name) => name.endsWith(".partial"));
      if (!partial) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    child.kill("SIGKILL");
    await exited;
    expect(partial, "the build finished before its .partial folder was seen").toBeDefined();
    expect(child.signalCode).toBe("SIGKILL");
    expect(await readdir(versionsDirectory(indexDir))).toContain(partial);

    // The previous version still serves, whole.
    expect(await readCurrentVersion(indexDir)).toBe(good);
    const survivor = await loadIndex(indexDir, local);
    expect(survivor.manifest.counts.sources).toBe(23);
    expect((await retrieve(survivor, "亲情账户和家庭共济账户有什么区别")).hits[0].sourceId).toBe("000_9de61d0cf05b51f0.txt");

    // The dead process cannot renew its lock; age it past the stale threshold instead of waiting it out.
    await utimes(path.join(indexDir, LOCK_FILE_NAME), new Date(0), new Date(0));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, limits: { lockWaitMs: 0 } });
    expect(summary.sources).toBe(23 + GENERATED_ROWS);
    const versions = await readdir(versionsDirectory(indexDir));
    expect(versions.filter((name) => name.endsWith(".partial"))).toEqual([]);
    expect(await readCurrentVersion(indexDir)).toBe(summary.version);
    expect((await loadIndex(indexDir, local)).manifest.counts.sources).toBe(23 + GENERATED_ROWS);
  });
});

const GENERATED_ROWS = 2000;

/** A synthetic FAQ table of distinct rows, made by the test so it needs no data set. */
function generatedFaq(rows: number): string {
  const topics = ["高血压", "糖尿病", "胃炎", "感冒", "咳嗽", "哮喘", "痛风", "贫血", "失眠", "湿疹", "肾结石", "脂肪肝", "甲亢", "近视", "牙龈出血", "腰痛"];
  const actions = ["饮食", "用药", "运动", "复查", "护理", "预防", "检查", "治疗"];
  const lines = Array.from({ length: rows }, (_, row) => {
    const topic = topics[row % topics.length];
    const action = actions[(row >> 4) % actions.length];
    return `gen-${row},${topic}患者${action}第${row}问怎么办,${topic}的${action}要点第${row}条：注意休息，按时${actions[(row * 3) % actions.length]}，定期到医院${actions[(row * 5) % actions.length]}。`;
  });
  return `id,question,answer\n${lines.join("\n")}\n`;
}
