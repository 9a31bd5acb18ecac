import { readFile } from "node:fs/promises";
import { evaluateRandomTopics } from "../src/cli/random-topic-evaluation.js";
import { readEvaluationQueries } from "../src/cli/evaluate.js";
const csv = await readFile("/work/shared/eval/medqa/corpus.csv", "utf8");
const queries = await readEvaluationQueries("/work/shared/eval/medqa/dev-queries.jsonl");
for (const seed of process.argv.slice(2).map(Number)) {
  const r = await evaluateRandomTopics(csv, queries, { count: 8, seed, embedder: { kind: "local", batchSize: 64 } as never });
  console.log(JSON.stringify({ seed, topics: r.topics.join(" "), removed: r.removedSources, u: r.unanswerable, a: r.answerable }));
}
