/**
 * A full re-index segments every chunk once. Segmenting (normalizing, jieba, bigrams) is most of
 * the work of a build, and the embedder's fit, its vectors and the keyword index each segmented
 * every chunk again. Here each chunk's keyword title and body are segmented once, and the text
 * the embedder reads is put together from the same parts (it is the title and the body joined by a
 * line break, see joinTermParts), so all three read the same terms as term ids into one table.
 */
import type { Chunk, SourceDoc } from "../core/types.js";
import { mixedTerms, termParts, type TermParts } from "../text/chinese-terms.js";
import { embeddingText } from "./embedding-text.js";

/** One chunk's terms as ids into the table: its keyword title and body, and the embedded text. */
export interface SegmentedChunk {
  title: Int32Array;
  body: Int32Array;
  embedded: Int32Array;
}

/** Every term seen, once, by id. */
export class TermTable {
  readonly terms: string[] = [];
  private readonly ids = new Map<string, number>();

  idsOf(terms: readonly string[]): Int32Array {
    const ids = new Int32Array(terms.length);
    for (let index = 0; index < terms.length; index++) {
      let id = this.ids.get(terms[index]);
      if (id === undefined) {
        id = this.terms.length;
        this.ids.set(terms[index], id);
        this.terms.push(terms[index]);
      }
      ids[index] = id;
    }
    return ids;
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
  const rows: SegmentedChunk[] = [];
  let lastSource: SourceDoc | undefined;
  let title: PartIds = { words: new Int32Array(0), cjkBigrams: new Int32Array(0), latinTokens: new Int32Array(0) };
  let titleIds: Int32Array = new Int32Array(0);
  for (let row = 0; row < chunks.length; row++) {
    const source = rowSources[row];
    const chunk = chunks[row];
    if (source !== lastSource) {
      // A source's chunks are consecutive rows: its title is segmented once.
      title = partIds(table, termParts(source.title));
      titleIds = concatenate(title.words, title.cjkBigrams, title.latinTokens);
      lastSource = source;
    }
    const startsWithTitle = chunk.text.startsWith(source.title);
    const bodyText = startsWithTitle ? chunk.text.slice(source.title.length) : chunk.text;
    const body = partIds(table, termParts(bodyText));
    // The embedded text is `${title}\n${chunk.text}`, or the chunk itself when it starts with the
    // title: title and body joined by a line break unless the body goes straight on from the title.
    // Joined, its terms are the two sides' parts in mixedTerms' order (see joinTermParts).
    const joinedAtLineBreak = !startsWithTitle || bodyText === "" || bodyText.startsWith("\n");
    rows.push({
      title: titleIds,
      body: concatenate(body.words, body.cjkBigrams, body.latinTokens),
      embedded: joinedAtLineBreak
        ? concatenate(title.words, body.words, title.cjkBigrams, body.cjkBigrams, title.latinTokens, body.latinTokens)
        : table.idsOf(mixedTerms(embeddingText(source, chunk))),
    });
    if (due()) yield;
  }
  return { table, rows };
}

interface PartIds {
  words: Int32Array;
  cjkBigrams: Int32Array;
  latinTokens: Int32Array;
}

function partIds(table: TermTable, parts: TermParts): PartIds {
  return { words: table.idsOf(parts.words), cjkBigrams: table.idsOf(parts.cjkBigrams), latinTokens: table.idsOf(parts.latinTokens) };
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
