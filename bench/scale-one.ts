/**
 * One step of the scale benchmark, in its own process so peak RSS is its own: builds a synthetic
 * knowledge folder of N chunks from the medqa corpus's sentences (recombined with a seeded random
 * generator, so every run builds the same folder), indexes it, and measures build time, `retrieve`
 * latency, HNSW recall@10 against exact search, peak RSS and size on disk.
 * Usage: node dist/bench/scale-one.js N MEDQA_DIR
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { percentile } from "../src/cli/evaluate.js";
import { buildIndex } from "../src/ingest/build-index.js";
import { retrieve } from "../src/retrieval/retrieve.js";
import { loadIndex } from "../src/store/loaded-index.js";
import { INDEX_FILES } from "../src/store/index-layout.js";
import { HNSW_PARAMETERS } from "../src/store/vector-store.js";

const [countText, medqaDir] = process.argv.slice(2);
const chunkCount = Number(countText);
const local = { kind: "local" as const, batchSize: 64 };

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

async function directorySize(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    total += entry.isDirectory() ? await directorySize(full) : (await stat(full)).size;
  }
  return total;
}

const rows = parse(await readFile(path.join(medqaDir, "corpus.csv"), "utf8"), { columns: true, bom: true }) as { question: string; answer: string }[];
const sentences = rows.flatMap((row) => row.answer.split(/(?<=[。！？])/).filter((sentence) => sentence.length > 4));
const random = seededRandom(chunkCount);
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
// Short synthetic Q&A rows stay one chunk each, so N rows give N chunks.
const lines = ["id,question,answer"];
for (let row = 0; row < chunkCount; row++) {
  const answer = Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(sentences)).join("");
  lines.push(`s${row},"${pick(rows).question.replace(/"/g, '""')}","${answer.replace(/"/g, '""')}"`);
}
const work = await mkdtemp(path.join(os.tmpdir(), "kb-scale-"));
try {
  await writeFile(path.join(work, "synthetic.csv"), `${lines.join("\n")}\n`);
  const knowledgeDir = work;
  const indexDir = path.join(os.tmpdir(), `kb-scale-index-${process.pid}`);
  const built = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
  const loadStarted = performance.now();
  const index = await loadIndex(indexDir, local);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const queries = (await readFile(path.join(medqaDir, "dev-queries.jsonl"), "utf8"))
    .trim()
    .split("\n")
    .slice(0, 500)
    .map((line) => (JSON.parse(line) as { query: string }).query);
  const latencies: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await retrieve(index, query);
    latencies.push(performance.now() - started);
  }
  latencies.sort((left, right) => left - right);

  // Recall@10 of the HNSW graph against exact cosine search over every stored vector.
  const dimensions = index.manifest.embedder.dimensions;
  const vectors = new Float32Array((await readFile(path.join(index.directory, INDEX_FILES.vectors))).buffer.slice(0));
  let found = 0;
  const recallQueries = queries.slice(0, 100);
  for (const query of recallQueries) {
    const vector = await index.embedder.embedQuery(query);
    const exact: { row: number; similarity: number }[] = [];
    for (let row = 0; row < index.chunks.length; row++) {
      let similarity = 0;
      for (let column = 0; column < dimensions; column++) similarity += vectors[row * dimensions + column] * vector[column];
      exact.push({ row, similarity });
    }
    exact.sort((left, right) => right.similarity - left.similarity);
    const truth = new Set(exact.slice(0, 10).map((entry) => entry.row));
    const approximate = index.vectorStore.index.searchKnn(vector, 10).neighbors;
    found += approximate.filter((label: number) => truth.has(label)).length;
  }
  process.stdout.write(
    `${JSON.stringify({
      chunks: index.chunks.length,
      buildSeconds: +(built.summary.durationMs / 1000).toFixed(1),
      loadSeconds: +loadSeconds.toFixed(1),
      retrieveP50Ms: +percentile(latencies, 0.5).toFixed(2),
      retrieveP99Ms: +percentile(latencies, 0.99).toFixed(2),
      hnswRecallAt10: +(found / (recallQueries.length * 10)).toFixed(4),
      hnsw: HNSW_PARAMETERS,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      indexMb: +((await directorySize(indexDir)) / 1e6).toFixed(1),
    })}\n`,
  );
  await rm(indexDir, { recursive: true, force: true });
} finally {
  await rm(work, { recursive: true, force: true });
}
