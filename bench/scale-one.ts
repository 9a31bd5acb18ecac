/**
 * One step of the scale benchmark: builds a synthetic knowledge folder of N chunks from the medqa
 * corpus's sentences (recombined with a seeded random generator, so every run builds the same
 * folder), indexes it, then serves it in a second process (this script with "serve") so that
 * building and serving each report their own peak RSS. Serving measures load time, `retrieve`
 * latency, and HNSW recall@10 against exact search at several search `ef` values.
 * Usage: node dist/bench/scale-one.js N MEDQA_DIR
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { percentile } from "../src/cli/evaluate.js";
import { buildIndex } from "../src/ingest/build-index.js";
import { retrieve } from "../src/retrieval/retrieve.js";
import { loadIndex } from "../src/store/loaded-index.js";
import { readDevQueries, syntheticCsv } from "./synthetic-folder.js";

const local = { kind: "local" as const, batchSize: 64 };
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function directorySize(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    total += entry.isDirectory() ? await directorySize(full) : (await stat(full)).size;
  }
  return total;
}

async function serve(indexDir: string, medqaDir: string): Promise<Record<string, unknown>> {
  const loadStarted = performance.now();
  const index = await loadIndex(indexDir, local);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const queries = await readDevQueries(medqaDir, 500);
  const latencies: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await retrieve(index, query);
    latencies.push(performance.now() - started);
  }
  latencies.sort((left, right) => left - right);

  const dimensions = index.manifest.embedder.dimensions;
  // The graph stores every chunk's unit-length vector under its label (label = row after a full build).
  const vectors = new Float32Array(index.chunks.length * dimensions);
  for (let row = 0; row < index.chunks.length; row++) vectors.set(index.vectorStore.index.getPoint(row), row * dimensions);
  const recallQueries = await Promise.all(queries.slice(0, 100).map((query) => index.embedder.embedQuery(query)));
  const truths = recallQueries.map((vector) => {
    const similarities = new Float64Array(index.chunks.length);
    for (let row = 0; row < index.chunks.length; row++) {
      let similarity = 0;
      for (let column = 0; column < dimensions; column++) similarity += vectors[row * dimensions + column] * vector[column];
      similarities[row] = similarity;
    }
    return new Set([...similarities.keys()].sort((left, right) => similarities[right] - similarities[left]).slice(0, 10));
  });
  // The ef loading chose (for a sharded graph, each shard's).
  const servedEf = index.vectorStore.index.getEf();
  const recallByEf: Record<string, { recallAt10: number; searchMs: number }> = {};
  for (const ef of [...new Set([128, 256, 384, 512, 768, 1024, 2048, servedEf])]) {
    // Every shard's ef, for a sharded graph.
    index.vectorStore.index.setEf(ef);
    let found = 0;
    const started = performance.now();
    recallQueries.forEach((vector, position) => {
      found += index.vectorStore.index.searchKnn(vector, 10).neighbors.filter((label: number) => truths[position].has(label)).length;
    });
    recallByEf[String(ef)] = {
      recallAt10: +(found / (recallQueries.length * 10)).toFixed(4),
      searchMs: +((performance.now() - started) / recallQueries.length).toFixed(3),
    };
  }
  return {
    loadSeconds: +loadSeconds.toFixed(1),
    retrieveP50Ms: +percentile(latencies, 0.5).toFixed(2),
    retrieveP99Ms: +percentile(latencies, 0.99).toFixed(2),
    hnsw: { M: index.manifest.hnsw.M, efConstruction: index.manifest.hnsw.efConstruction, efSearch: servedEf, shards: index.manifest.hnsw.shards?.length ?? 1 },
    recallByEf,
    servePeakRssMb: peakRssMb(),
  };
}

async function buildAndMeasure(chunkCount: number, medqaDir: string): Promise<Record<string, unknown>> {
  const knowledgeDir = await mkdtemp(path.join(os.tmpdir(), "kb-scale-knowledge-"));
  const indexDir = await mkdtemp(path.join(os.tmpdir(), "kb-scale-index-"));
  try {
    await writeFile(path.join(knowledgeDir, "synthetic.csv"), await syntheticCsv(chunkCount, medqaDir));
    const cpuBefore = process.cpuUsage();
    // RSS sampled every 100 ms with the build step running, to say where the peak is.
    let step = "reading";
    const peakRss = { mb: 0, step };
    const sampler = setInterval(() => {
      const mb = Math.round(process.memoryUsage().rss / 1048576);
      if (mb > peakRss.mb) Object.assign(peakRss, { mb, step });
    }, 100);
    const built = await buildIndex({
      knowledgeDir,
      indexDir,
      embedder: local,
      full: true,
      onProgress: (progress) => (step = progress.step ?? progress.phase),
    }).finally(() => clearInterval(sampler));
    // All of the process's threads (the build's, the segment and graph threads): on a machine shared
    // with other work the wall time says more about the others than about the build.
    const cpu = process.cpuUsage(cpuBefore);
    const buildPeakRssMb = peakRssMb();
    const served = JSON.parse(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), String(chunkCount), medqaDir, "serve", indexDir], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      }).trim(),
    ) as Record<string, unknown>;
    return {
      chunks: built.summary.chunks,
      buildSeconds: +(built.summary.durationMs / 1000).toFixed(1),
      buildCpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(1),
      buildPeakRssMb,
      buildPeakRssStep: peakRss.step,
      buildStepSeconds: Object.fromEntries(Object.entries(built.stepMs).map(([step, milliseconds]) => [step, +(milliseconds! / 1000).toFixed(1)])),
      loadAverage: os.loadavg().map((load) => +load.toFixed(1)),
      indexMb: +((await directorySize(indexDir)) / 1e6).toFixed(1),
      ...served,
    };
  } finally {
    await rm(knowledgeDir, { recursive: true, force: true });
    await rm(indexDir, { recursive: true, force: true });
  }
}

const [countText, medqaDir, mode, servedIndexDir] = process.argv.slice(2);
const result = mode === "serve" ? await serve(servedIndexDir, medqaDir) : await buildAndMeasure(Number(countText), medqaDir);
process.stdout.write(`${JSON.stringify(result)}\n`);
