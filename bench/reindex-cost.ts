/**
 * The medqa incremental re-index alone, repeated: one full build, then RUNS incremental re-indexes
 * that each change one row's answer (alternating between two wordings, so every run re-embeds
 * exactly one source). Prints every run's seconds, their median and the load average, so a change
 * can be measured side by side without the rest of `npm run bench`.
 *   npx tsx bench/reindex-cost.ts [runs]     (MEDQA_DIR overrides ../shared/eval/medqa)
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildIndex } from "../src/ingest/build-index.js";

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const medqaDir = path.resolve(process.env.MEDQA_DIR ?? path.resolve(projectRoot, "../shared/eval/medqa"));
const local = { kind: "local" as const, batchSize: 64 };
const ORIGINAL = "高血压病人可以口服党参的。";
const WORDINGS = ["高血压病人可以适量口服党参。", ORIGINAL];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export async function benchIncrementalReindex(runs: number): Promise<Record<string, unknown>> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-reindex-bench-"));
  try {
    const knowledgeDir = path.join(work, "knowledge");
    const indexDir = path.join(work, "index");
    const corpusFile = path.join(knowledgeDir, "corpus.csv");
    await cp(path.join(medqaDir, "corpus.csv"), corpusFile);
    const corpus = await readFile(corpusFile, "utf8");
    if (!corpus.includes(ORIGINAL)) throw new Error(`the medqa corpus no longer holds the row this bench changes (${ORIGINAL})`);
    const full = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    const seconds: number[] = [];
    /** CPU seconds (user + system) of each run: less disturbed than wall time by other work on the machine. */
    const cpuSeconds: number[] = [];
    for (let run = 0; run < runs; run++) {
      await writeFile(corpusFile, corpus.replace(ORIGINAL, WORDINGS[run % WORDINGS.length]));
      const cpuBefore = process.cpuUsage();
      const incremental = await buildIndex({ knowledgeDir, indexDir, embedder: local });
      const cpu = process.cpuUsage(cpuBefore);
      if (incremental.summary.changed.length !== 1) throw new Error(`expected one changed source, got ${incremental.summary.changed.length}`);
      seconds.push(+(incremental.summary.durationMs / 1000).toFixed(3));
      cpuSeconds.push(+((cpu.user + cpu.system) / 1e6).toFixed(3));
    }
    return {
      sources: full.summary.sources,
      chunks: full.summary.chunks,
      fullSeconds: +(full.summary.durationMs / 1000).toFixed(2),
      incrementalSeconds: seconds,
      incrementalMedianSeconds: +median(seconds).toFixed(3),
      incrementalCpuSeconds: cpuSeconds,
      incrementalMedianCpuSeconds: +median(cpuSeconds).toFixed(3),
      loadAverage: os.loadavg().map((load) => +load.toFixed(2)),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 7);
  process.stdout.write(`${JSON.stringify({ section: "medqa-incremental-reindex", ...(await benchIncrementalReindex(runs)) })}\n`);
}
