/**
 * Does the folder, or one source, hold a word as text? Subject coverage asks this of words jieba may
 * split differently in the question and in the sources (胃胀, 停保), so it looks at characters, not
 * terms. The folder is searched through the keyword index: a word of two or more characters occurs
 * only in chunks holding its rarest character bigram, and those few chunks are read.
 */
import type { LoadedIndex } from "../store/loaded-index.js";
import { CJK_CHARACTERS } from "../text/chinese-terms.js";
import { normalizeText } from "../text/normalize-text.js";
import { indexOfSortedTerm } from "../text/sorted-terms.js";

interface TextCache {
  chunks: Map<number, string>;
  sources: Map<string, string>;
  /** folderHolds answers: questions repeat their subjects, and an absent word's answer costs the most. */
  holds: Map<string, boolean>;
}

/** Bounds the answers kept per index version; the oldest go first. */
const MAX_HOLDS_ENTRIES = 50_000;

const caches = new WeakMap<LoadedIndex, TextCache>();

function cacheOf(index: LoadedIndex): TextCache {
  let cache = caches.get(index);
  if (!cache) {
    cache = { chunks: new Map(), sources: new Map(), holds: new Map() };
    caches.set(index, cache);
  }
  return cache;
}

/** A chunk's title and text in normal form. */
function chunkText(index: LoadedIndex, row: number): string {
  const cache = cacheOf(index);
  let text = cache.chunks.get(row);
  if (text === undefined) {
    text = normalizeText(`${index.chunkSources[row].title}\n${index.chunks[row].text}`);
    cache.chunks.set(row, text);
  }
  return text;
}

/** A source's title and whole text in normal form. */
export function sourceText(index: LoadedIndex, sourceId: string): string {
  const cache = cacheOf(index);
  let text = cache.sources.get(sourceId);
  if (text === undefined) {
    const source = index.sources.get(sourceId);
    text = source ? normalizeText(`${source.title}\n${source.question ?? ""}\n${source.text}`) : "";
    cache.sources.set(sourceId, text);
  }
  return text;
}

/** True when some chunk of the folder holds `word` (normal form, two or more characters). */
export function folderHolds(index: LoadedIndex, word: string): boolean {
  const { holds } = cacheOf(index);
  let found = holds.get(word);
  if (found === undefined) {
    found = searchFolder(index, word);
    if (holds.size >= MAX_HOLDS_ENTRIES) holds.delete(holds.keys().next().value!);
    holds.set(word, found);
  }
  return found;
}

/**
 * True when some chunk of the folder matches `pattern` (built from question characters only, never
 * from folder text). Reads every chunk, so it is for small folders and rare questions; answers are
 * cached with folderHolds's.
 */
export function folderMatches(index: LoadedIndex, pattern: RegExp): boolean {
  const { holds } = cacheOf(index);
  const key = `\u0000${pattern.source}`;
  let found = holds.get(key);
  if (found === undefined) {
    found = false;
    for (let row = 0; row < index.chunks.length && !found; row++) found = pattern.test(chunkText(index, row));
    if (holds.size >= MAX_HOLDS_ENTRIES) holds.delete(holds.keys().next().value!);
    holds.set(key, found);
  }
  return found;
}

function searchFolder(index: LoadedIndex, word: string): boolean {
  // A Latin or number token (dna, hpv, 38.5) is a keyword term of its own, not a run of bigrams.
  if (!CJK_START.test(word)) return index.keywordIndex.documentFrequency(word) > 0;
  const { terms, offsets, rows } = index.keywordIndex.postings;
  let rarest: [number, number] | undefined;
  for (let position = 0; position + 1 < word.length; position++) {
    const id = indexOfSortedTerm(terms, word.slice(position, position + 2));
    if (id < 0) return false;
    if (!rarest || offsets[id + 1] - offsets[id] < rarest[1] - rarest[0]) rarest = [offsets[id], offsets[id + 1]];
  }
  if (!rarest) return false;
  // A two-character word is its own bigram term: the postings are the answer.
  if (word.length === 2 && CJK_PAIR.test(word)) return true;
  // Most text is in normal form already, so the raw text answers first; normalising a chunk costs more.
  for (let position = rarest[0]; position < rarest[1]; position++) {
    const row = rows[position];
    if (index.chunks[row].text.includes(word) || index.chunkSources[row].title.includes(word)) return true;
  }
  for (let position = rarest[0]; position < rarest[1]; position++) if (chunkText(index, rows[position]).includes(word)) return true;
  return false;
}

const CJK_START = new RegExp(`^[${CJK_CHARACTERS}]`, "u");
const CJK_PAIR = new RegExp(`^[${CJK_CHARACTERS}]{2}$`, "u");
