/**
 * An evaluation of questions the knowledge folder does not cover, built from a question/answer
 * corpus and its queries: every corpus row that mentions a topic's words (a disease's names, its
 * typical drugs and tests) is removed, and the queries split into unanswerable (about a removed
 * topic, expected source gone) and answerable (expected source kept). Queries whose source was
 * removed without naming a topic are left out: whether anything else answers them is unclear.
 */
import Papa from "papaparse";
import type { EvaluationQuery } from "./evaluate.js";

export interface Topic {
  name: string;
  /** Words of the topic; a row or query containing any of them (as text) is about the topic. */
  words: string[];
}

/** A query of the set; `expected` is empty for an unanswerable one, which names its topic. */
export interface UnanswerableSetQuery extends EvaluationQuery {
  topic?: string;
}

export interface UnanswerableSet {
  /** The corpus without the removed rows, as CSV with the original header. */
  keptCorpusCsv: string;
  removedIds: Set<string>;
  queries: UnanswerableSetQuery[];
}

const topicOf = (text: string, topics: readonly Topic[]) => topics.find((topic) => topic.words.some((word) => text.includes(word)));

/** Splits a CSV corpus with `id`, `question` and `answer` columns and its queries by the topics. */
export function buildUnanswerableSet(corpusCsv: string, queries: readonly EvaluationQuery[], topics: readonly Topic[]): UnanswerableSet {
  const parsed = Papa.parse<Record<string, string>>(corpusCsv.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true, delimiter: "," });
  const removedIds = new Set<string>();
  const kept: Record<string, string>[] = [];
  for (const row of parsed.data) {
    if (topicOf(`${row.question ?? ""}\n${row.answer ?? ""}`, topics)) removedIds.add(row.id);
    else kept.push(row);
  }
  const result: UnanswerableSetQuery[] = [];
  for (const query of queries) {
    const removed = query.expected.some((id) => removedIds.has(id));
    if (!removed) {
      result.push({ query: query.query, expected: query.expected });
      continue;
    }
    const topic = topicOf(query.query, topics);
    if (topic) result.push({ query: query.query, expected: [], topic: topic.name });
  }
  return { keptCorpusCsv: Papa.unparse(kept, { columns: parsed.meta.fields }), removedIds, queries: result };
}

/** Reads a topic list: a JSON array of {"name": "...", "words": ["...", ...]}. */
export function parseTopics(text: string): Topic[] {
  const value = JSON.parse(text) as unknown;
  if (!Array.isArray(value)) throw new Error("a topic file is a JSON array of {name, words}");
  return value.map((entry: { name?: unknown; words?: unknown }) => {
    if (typeof entry.name !== "string" || !Array.isArray(entry.words) || entry.words.length === 0)
      throw new Error("each topic needs a `name` and a non-empty `words` list");
    return { name: entry.name, words: entry.words.map(String) };
  });
}
