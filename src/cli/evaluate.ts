/** Retrieval quality on a query file: hit@1/5/10, MRR@10 and latency per query. */
import { readFile } from "node:fs/promises";
import { KnowledgeBotError } from "../core/errors.js";
import { retrieve } from "../retrieval/retrieve.js";
import type { LoadedIndex } from "../store/loaded-index.js";

export interface EvaluationQuery {
  query: string;
  expected: string[];
}

export interface EvaluationReport {
  queries: number;
  k: number;
  hitAt1: number;
  hitAt5: number;
  hitAt10: number;
  mrrAt10: number;
  /** Share of queries answered with "no answer" although an expected source exists. */
  noAnswerRate: number;
  latencyMs: { p50: number; p99: number; mean: number };
}

export async function readEvaluationQueries(file: string): Promise<EvaluationQuery[]> {
  const text = await readFile(file, "utf8").catch((error: Error) => {
    throw new KnowledgeBotError(
      "USAGE",
      `Cannot read the query file ${file}: ${error.message}`,
      "Pass a JSONL file such as ../shared/eval/medqa/dev-queries.jsonl with --queries.",
    );
  });
  return text
    .split(/\r?\n/)
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line !== "")
    .map(({ line, number }) => {
      try {
        const parsed = JSON.parse(line) as { query?: unknown; expected?: unknown };
        if (typeof parsed.query !== "string" || !Array.isArray(parsed.expected)) throw new Error("needs a string `query` and an `expected` list");
        return { query: parsed.query, expected: parsed.expected.map(String) };
      } catch (error) {
        throw new KnowledgeBotError(
          "USAGE",
          `${file}:${number}: ${(error as Error).message}`,
          'Each line must be {"query": "...", "expected": ["source-id"]}.',
        );
      }
    });
}

export function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}

export async function evaluate(index: LoadedIndex, queries: EvaluationQuery[], k = 10): Promise<EvaluationReport> {
  let hit1 = 0;
  let hit5 = 0;
  let hit10 = 0;
  let reciprocalRanks = 0;
  let noAnswers = 0;
  const latencies: number[] = [];
  for (const { query, expected } of queries) {
    const started = performance.now();
    const result = await retrieve(index, query, Math.max(k, 10));
    latencies.push(performance.now() - started);
    if (result.noAnswer) noAnswers++;
    const rank = result.hits.findIndex((hit) => expected.includes(hit.sourceId)) + 1;
    if (rank >= 1 && rank <= 1) hit1++;
    if (rank >= 1 && rank <= 5) hit5++;
    if (rank >= 1 && rank <= 10) hit10++;
    if (rank >= 1 && rank <= 10) reciprocalRanks += 1 / rank;
  }
  const count = queries.length || 1;
  const sorted = [...latencies].sort((left, right) => left - right);
  return {
    queries: queries.length,
    k,
    hitAt1: hit1 / count,
    hitAt5: hit5 / count,
    hitAt10: hit10 / count,
    mrrAt10: reciprocalRanks / count,
    noAnswerRate: noAnswers / count,
    latencyMs: {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      mean: latencies.reduce((sum, value) => sum + value, 0) / count,
    },
  };
}
