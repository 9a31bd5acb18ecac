/**
 * A folder from the sharding threshold on (lowered here to a few dozen chunks) gets a graph in two
 * shards, each built on its own thread and saved as its own files, covered by the manifest like the
 * single graph file. Searching asks both and finds every live chunk; a layered version's deletions
 * mark the label in the shard holding it and its insertions go to the smaller shard; compaction
 * updates the shards; a damaged shard is refused by name; a build killed mid-way changes nothing.
 */
import { spawn } from "node:child_process";
import { cp, mkdtemp, open, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { readCurrentVersion, versionDirectory, versionsDirectory } from "../../src/store/index-layout.js";
import { shardElements } from "../../src/store/graph-shards.js";
import { type LoadedIndex, loadIndex } from "../../src/store/loaded-index.js";
import { LOCK_FILE_NAME } from "../../src/store/reindex-lock.js";
import type { ShardedGraphIndex } from "../../src/store/sharded-graph-index.js";
import { searchVectorStore } from "../../src/store/vector-store.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
const sharded = { minChunks: 20, count: 2 };
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-shards-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

type Row = [string, string, string];
const TOPICS = ["高血压", "糖尿病", "胃炎", "感冒", "咳嗽", "哮喘", "痛风", "贫血", "失眠", "湿疹"];
const ACTIONS = ["饮食", "用药", "运动", "复查", "护理"];

function rows(count: number, prefix = "faq", from = 0): Row[] {
  return Array.from({ length: count }, (_, position) => {
    const row = from + position;
    const [topic, action] = [TOPICS[row % TOPICS.length], ACTIONS[Math.floor(row / TOPICS.length) % ACTIONS.length]];
    return [`${prefix}-${row}`, `${topic}患者${action}第${row}问怎么办`, `${topic}的${action}要点第${row}条：按时${ACTIONS[(row * 3) % ACTIONS.length]}。`];
  });
}

function faqTable(table: Row[]): string {
  return `id,question,answer\n${table.map((row) => row.join(",")).join("\n")}\n`;
}

async function folder(table: Row[]): Promise<{ knowledgeDir: string; indexDir: string }> {
  const root = await mkdtemp(path.join(workDir, "case-"));
  const knowledgeDir = path.join(root, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(table));
  return { knowledgeDir, indexDir: path.join(root, "index") };
}

const shardsOf = (loaded: LoadedIndex) => (loaded.vectorStore.index as ShardedGraphIndex).shards;
/** The shard the manifest says holds `label`. */
const manifestShardOf = (loaded: LoadedIndex, label: number) =>
  loaded.manifest.hnsw.shards!.findIndex(({ labelRuns }) => {
    for (let index = 0; index < labelRuns.length; index += 2) if (label >= labelRuns[index] && label < labelRuns[index] + labelRuns[index + 1]) return true;
    return false;
  });
const holds = (shard: { getPoint(label: number): number[] }, label: number) => {
  try {
    shard.getPoint(label);
    return true;
  } catch {
    return false;
  }
};

/** Every live chunk, and only those, comes back from a search of both shards; each chunk's own vector finds it (among chunks made alike). */
async function expectEveryLiveChunk(loaded: LoadedIndex): Promise<void> {
  const everything = searchVectorStore(loaded.vectorStore, await loaded.embedder.embedQuery("高血压"), loaded.manifest.hnsw.nextLabel);
  expect(everything).toHaveLength(loaded.chunks.length);
  expect(everything.map((hit) => loaded.rowByLabel[hit.label]).sort((left, right) => left - right)).toEqual(loaded.chunks.map((_, row) => row));
  for (const hit of everything)
    expect(searchVectorStore(loaded.vectorStore, loaded.vectorStore.index.getPoint(hit.label), 3).map((found) => found.label)).toContain(hit.label);
}

describe("a sharded graph", () => {
  it("is built as two shard files the manifest covers, and a search of both finds every chunk", async () => {
    const { knowledgeDir, indexDir } = await folder(rows(40));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true, graphSharding: sharded });
    const loaded = await loadIndex(indexDir, local);
    const shards = loaded.manifest.hnsw.shards!;
    expect(shards).toHaveLength(2);
    expect(shards.map(shardElements).reduce((total, count) => total + count)).toBe(summary.chunks);
    const graphFiles = loaded.manifest.files.map((file) => file.path).filter((file) => file.startsWith("hnsw/"));
    expect(graphFiles).toEqual([
      "hnsw/shard-0/args.json",
      "hnsw/shard-0/docstore.json",
      "hnsw/shard-0/hnswlib.index",
      "hnsw/shard-1/args.json",
      "hnsw/shard-1/docstore.json",
      "hnsw/shard-1/hnswlib.index",
    ]);
    // Each shard holds the labels the manifest gives it, and no other.
    for (let label = 0; label < summary.chunks; label++)
      shardsOf(loaded).forEach((shard, position) =>
        expect(holds(shard, label), `label ${label} in shard ${position}`).toBe(manifestShardOf(loaded, label) === position),
      );
    await expectEveryLiveChunk(loaded);

    // The merged search is exact search's top 10 here (a graph this small is searched exhaustively).
    const query = await loaded.embedder.embedQuery("糖尿病患者饮食");
    const similarity = (label: number) => loaded.vectorStore.index.getPoint(label).reduce((sum, value, column) => sum + value * query[column], 0);
    const exact = loaded.chunks.map((_, label) => label).sort((left, right) => similarity(right) - similarity(left));
    expect(searchVectorStore(loaded.vectorStore, query, 10).map((hit) => hit.label)).toEqual(exact.slice(0, 10));

    // Below the threshold nothing changes: one graph file, no shards.
    const small = await folder(rows(40));
    await buildIndex({ ...small, embedder: local, full: true, graphSharding: { minChunks: 1000, count: 2 } });
    const single = await loadIndex(small.indexDir, local);
    expect(single.manifest.hnsw.shards).toBeUndefined();
    expect(single.manifest.files.map((file) => file.path).filter((file) => file.startsWith("hnsw/"))).toEqual([
      "hnsw/args.json",
      "hnsw/docstore.json",
      "hnsw/hnswlib.index",
    ]);
  });

  it("takes a layered version's deletion in the shard holding the label and its insertion in the smaller shard, then compacts into the shards", async () => {
    const table = rows(41);
    const { knowledgeDir, indexDir } = await folder(table);
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true, graphSharding: sharded });
    const before = await loadIndex(indexDir, local);
    const sizes = before.manifest.hnsw.shards!.map(shardElements);
    expect(sizes[0]).not.toBe(sizes[1]);
    const smaller = sizes.indexOf(Math.min(...sizes));

    // faq-35 changes (its label is deleted where it lives), faq-41 is new.
    const changedLabel = before.manifest.sources["faq-35"].chunkLabels[0];
    const holder = manifestShardOf(before, changedLabel);
    expect(holds(shardsOf(before)[holder], changedLabel)).toBe(true);
    table[35] = ["faq-35", table[35][1], "改过的答案：先复查再用药。"];
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...table, ...rows(1, "faq", 41)]));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, graphSharding: sharded });
    expect(summary).toMatchObject({ full: false, changed: ["faq-35"], added: ["faq-41"] });
    const layered = await loadIndex(indexDir, local);
    expect(layered.manifest.layers).toBeDefined();
    expect(layered.manifest.hnsw.shards).toEqual(before.manifest.hnsw.shards);
    expect(holds(shardsOf(layered)[holder], changedLabel)).toBe(false);
    for (const sourceId of ["faq-35", "faq-41"]) {
      const label = layered.manifest.sources[sourceId].chunkLabels[0];
      expect(
        shardsOf(layered).map((shard) => holds(shard, label)),
        sourceId,
      ).toEqual([0, 1].map((shard) => shard === smaller));
    }
    await expectEveryLiveChunk(layered);
    expect((await retrieve(layered, "高血压患者复查第35问怎么办")).hits.map((hit) => hit.sourceId)).toContain("faq-35");

    // More own rows than a layered version holds: the shards are updated and written again.
    const bulk = rows(300, "bulk", 100);
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...table, ...rows(1, "faq", 41), ...bulk]));
    const compacting = await buildIndex({ knowledgeDir, indexDir, embedder: local, graphSharding: sharded });
    expect(compacting.summary).toMatchObject({ full: false, embeddedChunks: 300 });
    const compacted = await loadIndex(indexDir, local);
    expect(compacted.manifest.layers).toBeUndefined();
    // The layered version's two chunks went to the smaller shard, then this run's 300 to whichever is smaller now.
    const afterLayer = sizes.map((size, shard) => size + (shard === smaller ? 2 : 0));
    const bulkShard = afterLayer.indexOf(Math.min(...afterLayer));
    expect(compacted.manifest.hnsw.shards!.map(shardElements)).toEqual(afterLayer.map((size, shard) => size + (shard === bulkShard ? 300 : 0)));
    for (const [sourceId] of bulk) {
      const label = compacted.manifest.sources[sourceId].chunkLabels[0];
      expect(manifestShardOf(compacted, label), sourceId).toBe(bulkShard);
      expect(holds(shardsOf(compacted)[bulkShard], label), sourceId).toBe(true);
    }
    expect(holds(shardsOf(compacted)[holder], changedLabel)).toBe(false);
    await expectEveryLiveChunk(compacted);
    // Unchanged chunks kept their vectors.
    const vectorOf = (index: LoadedIndex, sourceId: string) => index.vectorStore.index.getPoint(index.manifest.sources[sourceId].chunkLabels[0]);
    for (const sourceId of ["faq-0", "faq-35", "faq-41"]) expect(vectorOf(compacted, sourceId)).toEqual(vectorOf(layered, sourceId));
  });

  it("replaces one graph grown past the threshold by shards when the re-index compacts", async () => {
    const { knowledgeDir, indexDir } = await folder(rows(30));
    const growing = { minChunks: 200, count: 2 };
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true, graphSharding: growing });
    expect((await loadIndex(indexDir, local)).manifest.hnsw.shards).toBeUndefined();
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable([...rows(30), ...rows(300, "bulk", 100)]));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, graphSharding: growing });
    expect(summary).toMatchObject({ full: false, embeddedChunks: 300 });
    const grown = await loadIndex(indexDir, local);
    expect(grown.manifest.hnsw.shards).toHaveLength(2);
    await expectEveryLiveChunk(grown);
  });

  it("refuses a damaged shard file by its checksum, naming it", async () => {
    const { knowledgeDir, indexDir } = await folder(rows(40));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true, graphSharding: sharded });
    const file = path.join(versionDirectory(indexDir, summary.version!), "hnsw", "shard-1", "hnswlib.index");
    const { size } = await stat(file);
    const handle = await open(file, "r+");
    await handle.write(Buffer.alloc(64, 0x5a), 0, 64, Math.floor(size / 2));
    await handle.close();
    await expect(loadIndex(indexDir, local)).rejects.toMatchObject({ code: "INDEX_CORRUPT", message: expect.stringContaining("shard-1/hnswlib.index") });
    // The next re-index does not reuse it: it rebuilds in full.
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(rows(41)));
    expect((await buildIndex({ knowledgeDir, indexDir, embedder: local, graphSharding: sharded })).summary.full).toBe(true);
    await expectEveryLiveChunk(await loadIndex(indexDir, local));
  });

  it("built by a re-index killed mid-way leaves the previous version serving", async () => {
    const { knowledgeDir, indexDir } = await folder(rows(40));
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true, graphSharding: sharded });
    const good = (await readCurrentVersion(indexDir))!;
    await writeFile(path.join(knowledgeDir, "faq.csv"), faqTable(rows(2000)));
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(PROJECT_ROOT, "test/support/reindex-child.ts"), knowledgeDir, indexDir, String(sharded.minChunks)],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "ignore", "inherit"] },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    let childExited = false;
    void exited.then(() => (childExited = true));
    // Killed once its shard folders are being written.
    let shardFolder: string | undefined;
    while (!shardFolder && !childExited) {
      const partial = (await readdir(versionsDirectory(indexDir))).find((name) => name.endsWith(".partial"));
      if (partial)
        shardFolder = (await readdir(path.join(versionsDirectory(indexDir), partial, "hnsw")).catch(() => [])).find((name) => name.startsWith("shard-"));
      if (!shardFolder) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    child.kill("SIGKILL");
    await exited;
    expect(shardFolder, "the build finished before its shard folders were seen").toBeDefined();
    expect(child.signalCode).toBe("SIGKILL");

    expect(await readCurrentVersion(indexDir)).toBe(good);
    const survivor = await loadIndex(indexDir, local);
    expect(survivor.manifest.hnsw.shards).toHaveLength(2);
    await expectEveryLiveChunk(survivor);

    await utimes(path.join(indexDir, LOCK_FILE_NAME), new Date(0), new Date(0));
    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local, graphSharding: sharded, limits: { lockWaitMs: 0 } });
    expect((await readdir(versionsDirectory(indexDir))).filter((name) => name.endsWith(".partial"))).toEqual([]);
    const rebuilt = await loadIndex(indexDir, local);
    expect(rebuilt.version).toBe(summary.version);
    expect(rebuilt.manifest.hnsw.shards).toHaveLength(2);
    await expectEveryLiveChunk(rebuilt);
  });
});
