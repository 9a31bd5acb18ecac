/**
 * The medqa re-index side by side, in one process, so that the noise of a shared machine falls on
 * every figure alike. Each round runs, one after another:
 *   - the anchor: the keyword (BM25F) index alone — read and parse the folder, chunk it, segment
 *     every chunk and build and write the keyword postings — which is what a plain BM25 build does;
 *   - a full re-index (`kb reindex --full`);
 *   - an incremental re-index after it with one row's answer changed (exactly one source re-embedded).
 * Prints every round's seconds, the medians, the full/anchor ratio, the median time of each build
 * step (reading, chunking, fitting, embedding, keywords, graph, files, checksums, publishing) and
 * the load average.
 *   npm run build && node dist/bench/reindex-cost.js [rounds]      (MEDQA_DIR overrides ../shared/eval/medqa)
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildIndex, type BuildIndexResult } from "../src/ingest/build-index.js";
import { chunkSource, DEFAULT_CHUNK_OPTIONS } from "../src/ingest/chunk-text.js";
import { loadKnowledge } from "../src/ingest/load-knowledge.js";
import { writeKeywordFile } from "../src/store/keyword-file.js";
import { buildKeywordPostings } from "../src/store/keyword-postings.js";
import { keywordDocument } from "../src/text/keyword-terms.js";

const here = path.dirname(fileURLToPath(import.meta.url));
/** From dist/bench/ or from bench/ (tsx): the project root is the first folder above holding package.json's neighbours. */
const projectRoot = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? "../.." : "..");
const medqaDir = path.resolve(process.env.MEDQA_DIR ?? path.resolve(projectRoot, "../shared/eval/medqa"));
const local = { kind: "local" as const, batchSize: 64 };
const ORIGINAL = "高血压病人可以口服党参的。";
const CHANGED = "高血压病人可以适量口服党参。";

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (milliseconds: number) => +(milliseconds / 1000).toFixed(3);

/** The anchor: the keyword index of the folder alone, built and written. Returns its milliseconds. */
async function anchorBuild(knowledgeDir: string, outputFile: string): Promise<number> {
  const started = performance.now();
  const { sources } = await loadKnowledge(knowledgeDir);
  const postings = buildKeywordPostings(
    (function* () {
      for (const source of sources) for (const chunk of chunkSource(source, DEFAULT_CHUNK_OPTIONS)) yield keywordDocument(source, chunk);
    })(),
  );
  await writeKeywordFile(outputFile, postings);
  return performance.now() - started;
}

/** Median milliseconds of each step over the runs. */
function medianSteps(runs: BuildIndexResult[]): Record<string, number> {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.stepMs ?? {})))];
  return Object.fromEntries(names.map((name) => [name, Math.round(median(runs.map((run) => ((run.stepMs ?? {}) as Record<string, number>)[name] ?? 0)))]));
}

export async function benchReindex(rounds: number): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-reindex-bench-"));
  try {
    const knowledgeDir = path.join(work, "knowledge");
    const indexDir = path.join(work, "index");
    const corpusFile = path.join(knowledgeDir, "corpus.csv");
    await cp(path.join(medqaDir, "corpus.csv"), corpusFile);
    const corpus = await readFile(corpusFile, "utf8");
    if (!corpus.includes(ORIGINAL)) throw new Error(`the medqa corpus no longer holds the row this bench changes (${ORIGINAL})`);
    // One warm-up of each kind: the first build pays for loading code and the parse thread.
    await anchorBuild(knowledgeDir, path.join(work, "anchor.bin"));
    await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    const anchorMs: number[] = [];
    const fulls: BuildIndexResult[] = [];
    const incrementals: BuildIndexResult[] = [];
    const incrementalCpuSeconds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      await writeFile(corpusFile, corpus);
      anchorMs.push(await anchorBuild(knowledgeDir, path.join(work, "anchor.bin")));
      fulls.push(await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true }));
      await writeFile(corpusFile, corpus.replace(ORIGINAL, CHANGED));
      const cpuBefore = process.cpuUsage();
      const incremental = await buildIndex({ knowledgeDir, indexDir, embedder: local });
      const cpu = process.cpuUsage(cpuBefore);
      if (incremental.summary.changed.length !== 1) throw new Error(`expected one changed source, got ${incremental.summary.changed.length}`);
      incrementals.push(incremental);
      incrementalCpuSeconds.push(seconds((cpu.user + cpu.system) / 1000));
    }
    const fullMs = fulls.map((run) => run.summary.durationMs);
    const incrementalMs = incrementals.map((run) => run.summary.durationMs);
    return {
      sources: fulls[0].summary.sources,
      chunks: fulls[0].summary.chunks,
      rounds,
      anchorSeconds: anchorMs.map(seconds),
      fullSeconds: fullMs.map(seconds),
      incrementalSeconds: incrementalMs.map(seconds),
      anchorMedianSeconds: seconds(median(anchorMs)),
      fullMedianSeconds: seconds(median(fullMs)),
      incrementalMedianSeconds: seconds(median(incrementalMs)),
      fullToAnchorRatio: +(median(fullMs) / median(anchorMs)).toFixed(2),
      incrementalMedianCpuSeconds: +median(incrementalCpuSeconds).toFixed(3),
      fullStepMedianMs: medianSteps(fulls),
      incrementalStepMedianMs: medianSteps(incrementals),
      loadAverage: os.loadavg().map((load) => +load.toFixed(2)),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rounds = Number(process.argv[2] ?? 5);
  process.stdout.write(`${JSON.stringify({ section: "medqa-reindex", ...(await benchReindex(rounds)) })}\n`);
}
