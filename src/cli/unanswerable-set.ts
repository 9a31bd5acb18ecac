/**
 * An evaluation of questions the knowledge folder does not cover, built from a question/answer
 * corpus and its queries: every corpus row that mentions a topic's words (a disease's names, its
 * typical drugs and tests) is removed, and the queries split into unanswerable (about a removed
 * topic — holding one of its words as a word — expected source gone) and answerable (expected source kept). Queries whose source was
 * removed without naming a topic are left out: whether anything else answers them is unclear.
 */
import Papa from "papaparse";
import type { EvaluationQuery } from "./evaluate.js";
import { normalizeText } from "../text/normalize-text.js";
import { MEDICAL_TERMS } from "../text/vocabulary/medical-terms.js";
import { segmenter } from "../text/chinese-terms.js";
import { synonymIndex } from "../text/synonyms.js";

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

/** A row is removed when it holds a topic's word anywhere: a folder left with 乙肝大三阳 still tells of 肝大's characters. */
const rowTopic = (text: string, topics: readonly Topic[]) => topics.find((topic) => topic.words.some((word) => text.includes(word)));

/**
 * A query is about a topic when it holds one of its words where no word jieba cuts runs across the
 * topic's edge: 遗传 inside 隔代遗传 counts, 肝大 across 乙肝 | 大三阳 does not ("乙肝大三阳能治好吗" is
 * not about an enlarged liver, and the many rows on 大三阳 the folder keeps answer it).
 */
function queryTopic(text: string, topics: readonly Topic[]): Topic | undefined {
  const boundaries = new Set<number>([0]);
  let offset = 0;
  for (const word of segmenter().cut(text, false)) boundaries.add((offset += word.length));
  const straddles = (start: number, end: number) => {
    let cutInside = false;
    for (let position = start + 1; position < end; position++) if (boundaries.has(position)) cutInside = true;
    return cutInside && !(boundaries.has(start) && boundaries.has(end));
  };
  const holds = (word: string) => {
    for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) if (!straddles(at, at + word.length)) return true;
    return false;
  };
  return topics.find((topic) => topic.words.some(holds));
}

/** Splits a CSV corpus with `id`, `question` and `answer` columns and its queries by the topics. */
export function buildUnanswerableSet(corpusCsv: string, queries: readonly EvaluationQuery[], topics: readonly Topic[]): UnanswerableSet {
  const parsed = Papa.parse<Record<string, string>>(corpusCsv.replace(/^\uFEFF/, ""), { header: true, skipEmptyLines: true, delimiter: "," });
  const removedIds = new Set<string>();
  const kept: Record<string, string>[] = [];
  for (const row of parsed.data) {
    if (rowTopic(`${row.question ?? ""}\n${row.answer ?? ""}`, topics)) removedIds.add(row.id);
    else kept.push(row);
  }
  const result: UnanswerableSetQuery[] = [];
  for (const query of queries) {
    const removed = query.expected.some((id) => removedIds.has(id));
    if (!removed) {
      result.push({ query: query.query, expected: query.expected });
      continue;
    }
    const topic = queryTopic(query.query, topics);
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
  return topics.map(topicOfTerm);
}

/**
 * A drawn term as a topic, with its shipped synonyms of two characters or more: a folder that keeps
 * its rows on 发热 still answers about 发烧, and those answers are right, not uncovered ones.
 */
export function topicOfTerm(term: string): Topic {
  const alternatives = synonymIndex().alternatives(term);
  return { name: term, words: [...new Set([term, ...alternatives.filter((word) => word.length >= 2)])] };
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
