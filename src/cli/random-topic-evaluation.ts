/**
 * The medqa-style construction with topics nobody chose: topics drawn at random (drawRandomTopics)
 * are removed from a question/answer corpus, the rest is indexed in a temporary folder, and the
 * queries are asked of it (evaluateUnanswerable). `kb eval --corpus … --random-topics N --seed S`
 * and the evaluation suite both run it.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { EmbedderConfig } from "../embeddings/create-embedder.js";
import { buildIndex } from "../ingest/build-index.js";
import { loadIndex } from "../store/loaded-index.js";
import { evaluateUnanswerable, type EvaluationQuery, type UnanswerableReport } from "./evaluate.js";
import { buildUnanswerableSet, drawRandomTopics } from "./unanswerable-set.js";

export interface RandomTopicReport extends UnanswerableReport {
  seed: number;
  topics: string[];
  removedSources: number;
}

export async function evaluateRandomTopics(
  corpusCsv: string,
  queries: readonly EvaluationQuery[],
  options: { count: number; seed: number; embedder: EmbedderConfig },
): Promise<RandomTopicReport> {
  const topics = drawRandomTopics(corpusCsv, options.count, options.seed);
  const set = buildUnanswerableSet(corpusCsv, queries, topics);
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-random-topics-"));
  try {
    await mkdir(path.join(work, "knowledge"));
    await writeFile(path.join(work, "knowledge/corpus.csv"), set.keptCorpusCsv);
    await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: options.embedder });
    const report = await evaluateUnanswerable(await loadIndex(path.join(work, "index"), options.embedder), set.queries);
    return { ...report, seed: options.seed, topics: topics.map((topic) => topic.name), removedSources: set.removedIds.size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
