/**
 * The HNSW parameter sweep behind the defaults in src/store/vector-store.ts: the scale bench's
 * synthetic folder of N chunks is segmented and embedded once (as a full re-index does), then for
 * each M × efConstruction a graph is built on this thread and measured: build seconds, recall@10
 * against exact cosine search for 100 dev queries, and the graph search's p50 / p99 over 500 dev
 * queries, at search ef 256, 512, 1024 and 2048. Build seconds are wall time and this thread's CPU time
 * (the graph is built on one thread; on a shared machine the CPU time is the steadier figure).
 *   npm run build && node dist/bench/hnsw-sweep.js [N | medqa] [M×efConstruction,...]
 *   e.g. node dist/bench/hnsw-sweep.js 100000 32x200,24x100,16x100     (MEDQA_DIR overrides ../shared/eval/medqa)
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import hnswlib from "hnswlib-node";
import { NEVER_DUE, runSteps } from "../src/core/build-pacer.js";
import { LocalEmbeddings, TermIdCache } from "../src/embeddings/local-embeddings.js";
import { loadKnowledge } from "../src/ingest/load-knowledge.js";
import { segmentChunks } from "../src/ingest/segment-chunks.js";
import { chunkRows } from "../test/support/segment-probes.js";
import { readDevQueries, syntheticCsv } from "./synthetic-folder.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? "../.." : "..");
const medqaDir = path.resolve(process.env.MEDQA_DIR ?? path.resolve(projectRoot, "../shared/eval/medqa"));

function percentile(sorted: number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))];
}

async function embedFolder(chunkCount: number | "medqa"): Promise<{ embedder: LocalEmbeddings; vectors: Float32Array[] }> {
  const knowledgeDir = await mkdtemp(path.join(os.tmpdir(), "kb-sweep-knowledge-"));
  try {
    if (chunkCount === "medqa") await copyFile(path.join(medqaDir, "corpus.csv"), path.join(knowledgeDir, "corpus.csv"));
    else await writeFile(path.join(knowledgeDir, "synthetic.csv"), await syntheticCsv(chunkCount, medqaDir));
    const { rowSources, chunks } = chunkRows((await loadKnowledge(knowledgeDir)).sources);
    const segmented = runSteps(segmentChunks(rowSources, chunks, NEVER_DUE));
    const embedder = new LocalEmbeddings();
    await embedder.fitTermIds(
      segmented.table.terms,
      segmented.rows.map((row) => row.embedded),
    );
    const cache = new TermIdCache(segmented.table.terms.length);
    return { embedder, vectors: segmented.rows.map((row) => embedder.embedTermIds(segmented.table.terms, row.embedded, cache)) };
  } finally {
    await rm(knowledgeDir, { recursive: true, force: true });
  }
}

/**
 * The folder's embedder and vectors, kept in `cacheFile` (HNSW_SWEEP_CACHE) between runs when it
 * is set: segmenting 100k chunks takes longer than building a cheap graph.
 */
async function cachedVectors(chunkCount: number | "medqa", cacheFile: string | undefined): Promise<{ embedder: LocalEmbeddings; vectors: Float32Array[] }> {
  if (cacheFile) {
    const cached = await readFile(cacheFile).catch(() => null);
    if (cached) {
      const modelLength = cached.readUInt32LE(0);
      const embedder = LocalEmbeddings.fromSerializedModel(cached.subarray(4, 4 + modelLength));
      const all = new Float32Array(cached.buffer.slice(cached.byteOffset + 4 + modelLength, cached.byteOffset + cached.length));
      return {
        embedder,
        vectors: Array.from({ length: all.length / embedder.dimensions }, (_, row) => all.subarray(row * embedder.dimensions, (row + 1) * embedder.dimensions)),
      };
    }
  }
  const embedded = await embedFolder(chunkCount);
  if (cacheFile) {
    const model = embedded.embedder.serializeModel();
    const length = Buffer.alloc(4);
    length.writeUInt32LE(model.length);
    await writeFile(
      cacheFile,
      Buffer.concat([length, model, ...embedded.vectors.map((vector) => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength))]),
    );
  }
  return embedded;
}

const [countText, parameterText] = process.argv.slice(2);
/** N synthetic chunks, or medqa's own corpus. */
const folder = countText === "medqa" ? "medqa" : Number(countText ?? 100_000);
const settings = (parameterText ?? "32x200,32x100,24x200,24x100,16x200,16x100").split(",").map((pair) => pair.split("x").map(Number));
const { embedder, vectors } = await cachedVectors(folder, process.env.HNSW_SWEEP_CACHE);
const dimensions = embedder.dimensions;
const queries = await readDevQueries(medqaDir, 500);
const queryVectors = queries.map((query) => Array.from(embedder.embedText(query)));
const truths = queryVectors.slice(0, 100).map((query) => {
  const similarities = vectors.map((vector) => vector.reduce((total, value, column) => total + value * query[column], 0));
  return new Set([...similarities.keys()].sort((left, right) => similarities[right] - similarities[left]).slice(0, 10));
});
const points = vectors.map((vector) => Array.from(vector));
for (const [M, efConstruction] of settings) {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const index = new hnswlib.HierarchicalNSW("cosine", dimensions);
  index.initIndex(points.length, M, efConstruction, 100);
  points.forEach((point, label) => index.addPoint(point, label));
  const buildSeconds = +((performance.now() - started) / 1000).toFixed(1);
  const cpu = process.cpuUsage(cpuBefore);
  const buildCpuSeconds = +((cpu.user + cpu.system) / 1e6).toFixed(1);
  const byEf: Record<string, { recallAt10: number; p50Ms: number; p99Ms: number }> = {};
  for (const ef of [256, 512, 1024, 2048]) {
    index.setEf(ef);
    let found = 0;
    truths.forEach((truth, position) => (found += index.searchKnn(queryVectors[position], 10).neighbors.filter((label) => truth.has(label)).length));
    const latencies = queryVectors.map((query) => {
      const searchStarted = performance.now();
      index.searchKnn(query, 30);
      return performance.now() - searchStarted;
    });
    latencies.sort((left, right) => left - right);
    byEf[String(ef)] = {
      recallAt10: +(found / (truths.length * 10)).toFixed(3),
      p50Ms: +percentile(latencies, 0.5).toFixed(2),
      p99Ms: +percentile(latencies, 0.99).toFixed(2),
    };
  }
  process.stdout.write(
    `${JSON.stringify({ folder, chunks: vectors.length, M, efConstruction, buildSeconds, buildCpuSeconds, byEf, loadAverage: os.loadavg().map((load) => +load.toFixed(1)) })}\n`,
  );
}
