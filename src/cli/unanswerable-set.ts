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
import { segmenter } from "../text/chinese-terms.js";

export interface Topic {
  name: string;
  /** Words of the topic; a row or query holding any of them as a word (wordStarts) is about the topic. */
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

/**
 * Where jieba's words start and end in `text`. A topic counts only where it is a word of its own: a
 * row on 乙肝大三阳 does not mention 肝大 (an enlarged liver), nor 家庭共济 the topic 庭共.
 */
function wordEdges(text: string): Set<number> {
  const edges = new Set<number>([0]);
  let offset = 0;
  for (const word of segmenter().cut(text, false)) {
    offset += word.length;
    edges.add(offset);
  }
  return edges;
}

/** True when `word` occurs in `text` starting and ending on word edges. */
function holdsAsWord(text: string, edges: ReadonlySet<number>, word: string): boolean {
  for (let start = text.indexOf(word); start >= 0; start = text.indexOf(word, start + 1)) if (edges.has(start) && edges.has(start + word.length)) return true;
  return false;
}

const topicOf = (text: string, topics: readonly Topic[]) => {
  const normalized = normalizeText(text);
  const edges = wordEdges(normalized);
  return topics.find((topic) => topic.words.some((word) => holdsAsWord(normalized, edges, word)));
};

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
    const edges = wordEdges(text);
    const seen = new Set<string>();
    for (const start of edges)
      for (let length = 2; length <= longest && start + length <= text.length; length++) {
        const word = text.slice(start, start + length);
        if (terms.has(word) && edges.has(start + length)) seen.add(word);
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
