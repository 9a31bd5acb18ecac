/**
 * A full re-index segments every chunk once. Segmenting (normalizing, jieba, bigrams) is most of
 * the work of a build, and the embedder's fit, its vectors and the keyword index each segmented
 * every chunk again. Here each chunk's keyword title and body are segmented once, and the text
 * the embedder reads is put together from the same parts (it is the title and the body joined by a
 * line break, see joinTermParts), so all three read the same terms as term ids into one table.
 */
import type { Chunk, SourceDoc } from "../core/types.js";
import { isCjkCodeUnit, latinTokens, mixedTerms, wordTerms } from "../text/chinese-terms.js";
import { normalizeText } from "../text/normalize-text.js";

/** One chunk's terms as ids into the table: its keyword title and body, and the embedded text. */
export interface SegmentedChunk {
  title: Int32Array;
  body: Int32Array;
  embedded: Int32Array;
}

/** CJK code units, numbered from 0 without the gap between the two ranges of isCjkCodeUnit. */
const CJK_RANKS = 0x9fff - 0x3400 + 1 + (0xfaff - 0xf900 + 1);
const cjkRank = (code: number): number => (code <= 0x9fff ? code - 0x3400 : code - 0xf900 + (0x9fff - 0x3400 + 1));

/** Every term seen, once, by id. */
export class TermTable {
  readonly terms: string[] = [];
  private readonly ids = new Map<string, number>();

  /** Ids of CJK bigrams and lone characters by their code units, so that most terms are found without making a string. */
  private readonly codeIds = new Map<number, number>();

  idsOf(terms: readonly string[]): Int32Array {
    const ids = new Int32Array(terms.length);
    for (let index = 0; index < terms.length; index++) ids[index] = this.idOf(terms[index]);
    return ids;
  }

  /**
   * The ids of bigramTerms' CJK part of normalized text (every pair of neighbours in a run of CJK
   * characters, a lone character as itself), found by the characters' codes: hashing a fresh
   * two-character string for every pair cost more than segmenting.
   */
  cjkBigramIds(normalized: string): Int32Array {
    const ids: number[] = [];
    let runStart = -1;
    for (let index = 0; index <= normalized.length; index++) {
      if (index < normalized.length && isCjkCodeUnit(normalized.charCodeAt(index))) {
        if (runStart < 0) runStart = index;
        continue;
      }
      if (runStart < 0) continue;
      // Keys stay small integers (V8 hashes those fastest): a lone character is -1 - its rank, a pair
      // is rank × CJK_RANKS + rank.
      if (index - runStart === 1) ids.push(this.codeId(-1 - cjkRank(normalized.charCodeAt(runStart)), normalized, runStart, 1));
      for (let at = runStart; at + 1 < index; at++)
        ids.push(this.codeId(cjkRank(normalized.charCodeAt(at)) * CJK_RANKS + cjkRank(normalized.charCodeAt(at + 1)), normalized, at, 2));
      runStart = -1;
    }
    return Int32Array.from(ids);
  }

  private codeId(code: number, text: string, at: number, length: number): number {
    let id = this.codeIds.get(code);
    if (id === undefined) {
      id = this.idOf(text.slice(at, at + length));
      this.codeIds.set(code, id);
    }
    return id;
  }

  private idOf(term: string): number {
    let id = this.ids.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.ids.set(term, id);
      this.terms.push(term);
    }
    return id;
  }
}

export interface SegmentedChunks {
  table: TermTable;
  rows: SegmentedChunk[];
}

/**
 * The terms of each chunk row (`rowSources[row]` is the row's source), as a step generator that
 * yields when `due()` (see BuildPacer.drive). The fields match keywordDocument and the embedded
 * text matches mixedTerms(embeddingText(source, chunk)) term for term, in the same order.
 */
export function* segmentChunks(rowSources: SourceDoc[], chunks: Chunk[], due: () => boolean): Generator<void, SegmentedChunks, void> {
  const table = new TermTable();
  const rows = yield* segmentRows(
    table,
    rowSources.map((source) => source.title),
    chunks.map((chunk) => chunk.text),
    due,
  );
  return { table, rows };
}

/**
 * segmentChunks for rows given by their source's title and their chunk's text (all either side
 * reads of a row, so a worker thread can segment rows from these strings alone), into `table`.
 */
export function* segmentRows(
  table: TermTable,
  titles: readonly string[],
  texts: readonly string[],
  due: () => boolean,
): Generator<void, SegmentedChunk[], void> {
  const rows: SegmentedChunk[] = [];
  let lastTitle: string | undefined;
  let title: PartIds = { words: new Int32Array(0), cjkBigrams: new Int32Array(0), latinTokens: new Int32Array(0) };
  let titleIds: Int32Array = new Int32Array(0);
  for (let row = 0; row < texts.length; row++) {
    const text = texts[row];
    const titleText = titles[row];
    if (titleText !== lastTitle) {
      // A source's chunks are consecutive rows: its title is segmented once.
      lastTitle = titleText;
      title = partIds(table, titleText);
      titleIds = concatenate(title.words, title.cjkBigrams, title.latinTokens);
    }
    const startsWithTitle = text.startsWith(titleText);
    const bodyText = startsWithTitle ? text.slice(titleText.length) : text;
    const body = partIds(table, bodyText);
    // The embedded text (embeddingText) is `${title}\n${text}`, or the chunk itself when it starts
    // with the title: title and body joined by a line break unless the body goes straight on from
    // the title. Joined, its terms are the two sides' parts in mixedTerms' order (see joinTermParts).
    const joinedAtLineBreak = !startsWithTitle || bodyText === "" || bodyText.startsWith("\n");
    rows.push({
      title: titleIds,
      body: concatenate(body.words, body.cjkBigrams, body.latinTokens),
      embedded: joinedAtLineBreak
        ? concatenate(title.words, body.words, title.cjkBigrams, body.cjkBigrams, title.latinTokens, body.latinTokens)
        : table.idsOf(mixedTerms(text)),
    });
    if (due()) yield;
  }
  return rows;
}

interface PartIds {
  words: Int32Array;
  cjkBigrams: Int32Array;
  latinTokens: Int32Array;
}

/** The ids of termParts(text), each kind in its order. */
function partIds(table: TermTable, text: string): PartIds {
  const normalized = normalizeText(text);
  return {
    words: table.idsOf(wordTerms(normalized).map((word) => `w:${word}`)),
    cjkBigrams: table.cjkBigramIds(normalized),
    latinTokens: table.idsOf(latinTokens(normalized)),
  };
}

function concatenate(...arrays: Int32Array[]): Int32Array {
  const joined = new Int32Array(arrays.reduce((total, array) => total + array.length, 0));
  let offset = 0;
  for (const array of arrays) {
    joined.set(array, offset);
    offset += array.length;
  }
  return joined;
}
