/**
 * An evaluation of questions the knowledge folder does not cover, built from a question/answer
 * corpus and its queries: every corpus row that mentions a topic's words (a disease's names, its
 * typical drugs and tests) is removed, and the queries split into unanswerable (about a removed
 * topic, expected source gone) and answerable (expected source kept). Queries whose source was
 * removed without naming a topic are left out: whether anything else answers them is unclear.
 */
import Papa from "papaparse";
import type { EvaluationQuery } from "./evaluate.js";
import { normalizeText } from "../text/normalize-text.js";
import { MEDICAL_TERMS } from "../text/vocabulary/medical-terms.js";

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

/** How a random construction picks its topics: medical terms found in this many corpus rows. */
const RANDOM_TOPIC_ROWS = { min: 50, maxShare: 0.05 } as const;

/**
 * `count` topics drawn at random (deterministic in `seed`) from the shipped medical terms that occur
 * in at least RANDOM_TOPIC_ROWS.min rows of the corpus and at most RANDOM_TOPIC_ROWS.maxShare of them,
 * none inside another. Nobody chooses the topics, so a rule cannot be fitted to them.
 */
export function drawRandomTopics(corpusCsv: string, count: number, seed: number): Topic[] {
  const parsed = Papa.parse<Record<string, string>>(corpusCsv.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true, delimiter: "," });
  const terms = new Set(MEDICAL_TERMS.split("\n"));
  const longest = Math.max(...[...terms].map((term) => term.length));
  const rows = new Map<string, number>();
  for (const row of parsed.data) {
    const text = normalizeText(`${row.question ?? ""}\n${row.answer ?? ""}`);
    const seen = new Set<string>();
    for (let start = 0; start < text.length; start++)
      for (let length = 2; length <= longest && start + length <= text.length; length++) {
        const word = text.slice(start, start + length);
        if (terms.has(word)) seen.add(word);
      }
    for (const word of seen) rows.set(word, (rows.get(word) ?? 0) + 1);
  }
  const ceiling = RANDOM_TOPIC_ROWS.maxShare * parsed.data.length;
  const candidates = [...rows]
    .filter(([, found]) => found >= RANDOM_TOPIC_ROWS.min && found <= ceiling)
    .map(([word]) => word)
    .sort();
  const random = mulberry32(seed);
  const topics: string[] = [];
  for (let attempt = 0; topics.length < count && attempt < 100 * count && candidates.length > 0; attempt++) {
    const word = candidates[Math.floor(random() * candidates.length)];
    if (!topics.some((topic) => topic.includes(word) || word.includes(topic))) topics.push(word);
  }
  return topics.map((word) => ({ name: word, words: [word] }));
}

/** A small seeded generator (mulberry32): the same seed draws the same topics on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}
