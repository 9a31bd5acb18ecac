/**
 * Writes an unanswerable evaluation built from the medqa corpus and dev queries (see
 * src/cli/unanswerable-set.ts): `<out>/knowledge/corpus.csv` without the rows about the topics,
 * and `<out>/queries.jsonl` for `kb eval --unanswerable`.
 *
 *   npx tsx bench/unanswerable-set.ts test/fixtures/unanswerable-topics-tune.json /tmp/tune [medqa dir]
 *   KNOWLEDGE_DIR=/tmp/tune/knowledge INDEX_DIR=/tmp/tune/index npm run kb -- reindex
 *   INDEX_DIR=/tmp/tune/index npm run kb -- eval --unanswerable /tmp/tune/queries.jsonl
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { readEvaluationQueries } from "../src/cli/evaluate.js";
import { buildUnanswerableSet, parseTopics } from "../src/cli/unanswerable-set.js";

const [topicsFile, outDir, medqaDir = "../shared/eval/medqa"] = process.argv.slice(2);
if (!topicsFile || !outDir) {
  console.error("usage: unanswerable-set.ts <topics.json> <out dir> [medqa dir]");
  process.exit(2);
}
const set = buildUnanswerableSet(
  await readFile(path.join(medqaDir, "corpus.csv"), "utf8"),
  await readEvaluationQueries(path.join(medqaDir, "dev-queries.jsonl")),
  parseTopics(await readFile(topicsFile, "utf8")),
);
await mkdir(path.join(outDir, "knowledge"), { recursive: true });
await writeFile(path.join(outDir, "knowledge/corpus.csv"), set.keptCorpusCsv);
await writeFile(path.join(outDir, "queries.jsonl"), set.queries.map((query) => JSON.stringify(query)).join("\n") + "\n");
const unanswerable = set.queries.filter((query) => query.expected.length === 0).length;
console.log(`removed ${set.removedIds.size} sources; ${unanswerable} unanswerable and ${set.queries.length - unanswerable} answerable queries`);
