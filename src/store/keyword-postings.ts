/**
 * The keyword index's data: BM25F postings in one compressed layout, built from documents at a
 * full re-index and merged with the previous postings at an incremental one.
 */

import { type BuildPacer, NEVER_DUE, runSteps } from "../core/build-pacer.js";
import type { KeywordDocument } from "../text/keyword-terms.js";
import { compareTerms } from "../text/sorted-terms.js";

/**
 * The postings of every term in one compressed layout (CSR): term t's rows are
 * rows[offsets[t] .. offsets[t + 1]), with their raw per-field term frequencies alongside. Typed
 * arrays keep a 100k-chunk index compact and let it be written to and read from disk as is.
 */
export interface KeywordPostings {
  /** In ascending code-unit order (compareTerms). */
  terms: string[];
  offsets: Int32Array;
  /** Each term's rows are in ascending order. */
  rows: Int32Array;
  titleFrequencies: Uint16Array;
  bodyFrequencies: Uint16Array;
  /** Term count of each row's title and body, for BM25F length normalisation. */
  titleLengths: Uint32Array;
  bodyLengths: Uint32Array;
}

/** A chunk added by an incremental update, at its row in the new index. */
export interface KeywordAddition {
  row: number;
  document: KeywordDocument;
}

const MAX_FREQUENCY = 0xffff;

function sortSegmentByRow(rows: Int32Array, titleFrequencies: Uint16Array, bodyFrequencies: Uint16Array, start: number, end: number): void {
  let sorted = true;
  for (let index = start + 1; index < end && sorted; index++) sorted = rows[index - 1] < rows[index];
  if (sorted) return;
  const order = Array.from({ length: end - start }, (_, offset) => start + offset).sort((left, right) => rows[left] - rows[right]);
  const sortedRows = order.map((index) => rows[index]);
  const sortedTitle = order.map((index) => titleFrequencies[index]);
  const sortedBody = order.map((index) => bodyFrequencies[index]);
  rows.set(sortedRows, start);
  titleFrequencies.set(sortedTitle, start);
  bodyFrequencies.set(sortedBody, start);
}

/** Per-term frequencies of one document: [title, body]. */
function fieldFrequencies(document: KeywordDocument): Map<string, [number, number]> {
  const frequencies = new Map<string, [number, number]>();
  for (const term of document.titleTerms) {
    const entry = frequencies.get(term) ?? [0, 0];
    entry[0]++;
    frequencies.set(term, entry);
  }
  for (const term of document.bodyTerms) {
    const entry = frequencies.get(term) ?? [0, 0];
    entry[1]++;
    frequencies.set(term, entry);
  }
  return frequencies;
}

function* numbered(documents: Iterable<KeywordDocument>): Generator<KeywordAddition> {
  let row = 0;
  for (const document of documents) yield { row: row++, document };
}

/** Postings of `documents`, row i being the i-th document. */
export function buildKeywordPostings(documents: Iterable<KeywordDocument>): KeywordPostings {
  return runSteps(collectPostings(numbered(documents), NEVER_DUE));
}

/** `buildKeywordPostings` for a re-index: gives the event loop a turn every slice, stops on abort. */
export function buildKeywordPostingsPaced(documents: Iterable<KeywordDocument>, pacer: BuildPacer): Promise<KeywordPostings> {
  return pacer.drive(collectPostings(numbered(documents), pacer.due));
}

/**
 * The postings after an incremental re-index: rows of unchanged chunks move to their new row
 * (`newRowOf[oldRow]`, -1 for a removed chunk) and the added chunks are indexed, without
 * re-reading the terms of anything unchanged.
 */
export function updateKeywordPostings(previous: KeywordPostings, newRowOf: Int32Array, additions: Iterable<KeywordAddition>): KeywordPostings {
  return runSteps(updateSteps(previous, newRowOf, additions, NEVER_DUE));
}

/** `updateKeywordPostings` for a re-index: gives the event loop a turn every slice, stops on abort. */
export function updateKeywordPostingsPaced(
  previous: KeywordPostings,
  newRowOf: Int32Array,
  additions: Iterable<KeywordAddition>,
  pacer: BuildPacer,
): Promise<KeywordPostings> {
  return pacer.drive(updateSteps(previous, newRowOf, additions, pacer.due));
}

function* updateSteps(
  previous: KeywordPostings,
  newRowOf: Int32Array,
  additions: Iterable<KeywordAddition>,
  due: () => boolean,
): Generator<void, KeywordPostings, void> {
  const added = yield* collectPostings(additions, due);
  return yield* mergePostings(previous, newRowOf, added, due);
}

/**
 * The loops below are step generators (see BuildPacer): they yield only when `due()` says a slice
 * is used up, checked every so many items in the tightest loops, so driven synchronously with
 * NEVER_DUE they run as plain loops.
 */
const CHECK_EVERY = 1024;

/** Typed arrays that double when full: a posting costs 12 bytes instead of three boxed array slots. */
class PostingLog {
  length = 0;
  terms: Int32Array;
  rows: Int32Array;
  titleFrequencies: Uint16Array;
  bodyFrequencies: Uint16Array;

  /** `capacity`: the postings expected, when known (it grows past it all the same). */
  constructor(capacity = 1024) {
    this.terms = new Int32Array(capacity);
    this.rows = new Int32Array(capacity);
    this.titleFrequencies = new Uint16Array(capacity);
    this.bodyFrequencies = new Uint16Array(capacity);
  }

  push(term: number, row: number, title: number, body: number): void {
    if (this.length === this.terms.length) {
      const grow = <T extends Int32Array | Uint16Array>(array: T): T => {
        const larger = new (array.constructor as new (length: number) => T)(array.length * 2);
        larger.set(array);
        return larger;
      };
      this.terms = grow(this.terms);
      this.rows = grow(this.rows);
      this.titleFrequencies = grow(this.titleFrequencies);
      this.bodyFrequencies = grow(this.bodyFrequencies);
    }
    this.terms[this.length] = term;
    this.rows[this.length] = row;
    this.titleFrequencies[this.length] = Math.min(title, MAX_FREQUENCY);
    this.bodyFrequencies[this.length] = Math.min(body, MAX_FREQUENCY);
    this.length++;
  }
}

/**
 * Postings of the added documents, terms sorted. Postings are logged in arrival order, then placed
 * by a counting sort on the term's rank; additions arrive in row order, so each term's rows are
 * sorted. A 100k-chunk folder needs one log and one final copy, not an array per term.
 */
function* collectPostings(additions: Iterable<KeywordAddition>, due: () => boolean): Generator<void, KeywordPostings, void> {
  const termIds = new Map<string, number>();
  const termList: string[] = [];
  const log = new PostingLog();
  const lengths: [number, number, number][] = [];
  let size = 0;
  for (const { row, document } of additions) {
    for (const [term, [title, body]] of fieldFrequencies(document)) {
      let id = termIds.get(term);
      if (id === undefined) {
        id = termList.length;
        termIds.set(term, id);
        termList.push(term);
      }
      log.push(id, row, title, body);
    }
    lengths.push([row, document.titleTerms.length, document.bodyTerms.length]);
    size = Math.max(size, row + 1);
    if (due()) yield;
  }
  termIds.clear();
  const titleLengths = new Uint32Array(size);
  const bodyLengths = new Uint32Array(size);
  for (const [row, title, body] of lengths) {
    titleLengths[row] = title;
    bodyLengths[row] = body;
  }
  return yield* placePostings(termList, Array.from(termList.keys()), log, titleLengths, bodyLengths, due);
}

/**
 * Postings of documents already segmented into term ids of `terms` (row i is the i-th document;
 * see ingest/segment-chunks.ts): the same postings buildKeywordPostings gives for the terms
 * themselves, without a map lookup per term.
 */
export function buildKeywordPostingsFromIdsPaced(
  terms: readonly string[],
  documents: readonly { title: Int32Array; body: Int32Array }[],
  pacer: BuildPacer,
): Promise<KeywordPostings> {
  return pacer.drive(collectIdPostings(terms, documents, pacer.due));
}

/**
 * Two passes over the documents' term ids, instead of a log of every posting and then a copy: the
 * first counts each term's documents, the second writes every posting straight to its place. Rows
 * are visited in order, so each term's rows come out sorted. At 100k chunks the log (sized for
 * every term occurrence) was a few hundred megabytes held beside the final arrays, the build's
 * peak of memory while the graph threads ran.
 */
function* collectIdPostings(
  terms: readonly string[],
  documents: readonly { title: Int32Array; body: Int32Array }[],
  due: () => boolean,
): Generator<void, KeywordPostings, void> {
  const titleCount = new Uint32Array(terms.length);
  const bodyCount = new Uint32Array(terms.length);
  const documentCount = new Int32Array(terms.length);
  const titleLengths = new Uint32Array(documents.length);
  const bodyLengths = new Uint32Array(documents.length);
  const inDocument: number[] = [];
  /** Calls `each` with every distinct term of `row` and its title and body counts. */
  const visit = (row: number, each: (id: number) => void) => {
    const { title, body } = documents[row];
    for (const id of title) if (titleCount[id]++ === 0 && bodyCount[id] === 0) inDocument.push(id);
    for (const id of body) if (bodyCount[id]++ === 0 && titleCount[id] === 0) inDocument.push(id);
    for (const id of inDocument) {
      each(id);
      titleCount[id] = 0;
      bodyCount[id] = 0;
    }
    inDocument.length = 0;
  };
  let postings = 0;
  for (let row = 0; row < documents.length; row++) {
    visit(row, (id) => {
      documentCount[id]++;
      postings++;
    });
    titleLengths[row] = documents[row].title.length;
    bodyLengths[row] = documents[row].body.length;
    if (due()) yield;
  }
  const usedIds: number[] = [];
  for (let id = 0; id < terms.length; id++) if (documentCount[id] > 0) usedIds.push(id);
  const order = sortIdsByTerm(terms, usedIds);
  const offsets = new Int32Array(order.length + 1);
  order.forEach((id, position) => (offsets[position + 1] = offsets[position] + documentCount[id]));
  // Where each term's next posting goes, by term id.
  const next = documentCount;
  order.forEach((id, position) => (next[id] = offsets[position]));
  const rows = new Int32Array(postings);
  const titleFrequencies = new Uint16Array(postings);
  const bodyFrequencies = new Uint16Array(postings);
  for (let row = 0; row < documents.length; row++) {
    visit(row, (id) => {
      const position = next[id]++;
      rows[position] = row;
      titleFrequencies[position] = Math.min(titleCount[id], MAX_FREQUENCY);
      bodyFrequencies[position] = Math.min(bodyCount[id], MAX_FREQUENCY);
    });
    if (due()) yield;
  }
  return { terms: order.map((id) => terms[id]), offsets, rows, titleFrequencies, bodyFrequencies, titleLengths, bodyLengths };
}

/**
 * `ids` in ascending order of their terms (compareTerms' order). The terms are sorted by the
 * built-in sort, which compares strings by UTF-16 code units as compareTerms does and is many
 * times faster than a comparator over a folder's hundreds of thousands of terms.
 */
function sortIdsByTerm(termList: readonly string[], ids: number[]): number[] {
  const idOf = new Map<string, number>();
  for (const id of ids) idOf.set(termList[id], id);
  return ids
    .map((id) => termList[id])
    .sort()
    .map((term) => idOf.get(term)!);
}

/**
 * The compressed layout of logged postings: `ids` (the term ids that occur) sorted by their
 * terms, then every posting placed by a counting sort on its term's rank. Postings are logged in
 * row order, so each term's rows come out sorted.
 */
function* placePostings(
  termList: readonly string[],
  ids: number[],
  log: PostingLog,
  titleLengths: Uint32Array,
  bodyLengths: Uint32Array,
  due: () => boolean,
): Generator<void, KeywordPostings, void> {
  const order = sortIdsByTerm(termList, ids);
  const rank = new Int32Array(termList.length);
  order.forEach((id, position) => (rank[id] = position));
  const offsets = new Int32Array(order.length + 1);
  for (let index = 0; index < log.length; index++) offsets[rank[log.terms[index]] + 1]++;
  for (let position = 0; position < order.length; position++) offsets[position + 1] += offsets[position];
  const next = offsets.slice(0, order.length);
  const rows = new Int32Array(log.length);
  const titleFrequencies = new Uint16Array(log.length);
  const bodyFrequencies = new Uint16Array(log.length);
  for (let index = 0; index < log.length; index++) {
    const position = next[rank[log.terms[index]]]++;
    rows[position] = log.rows[index];
    titleFrequencies[position] = log.titleFrequencies[index];
    bodyFrequencies[position] = log.bodyFrequencies[index];
  }
  const terms = order.map((id) => termList[id]);
  for (let position = 0; position < terms.length; position++) {
    sortSegmentByRow(rows, titleFrequencies, bodyFrequencies, offsets[position], offsets[position + 1]);
    if (position % CHECK_EVERY === 0 && due()) yield;
  }
  return { terms, offsets, rows, titleFrequencies, bodyFrequencies, titleLengths, bodyLengths };
}

/**
 * Postings of the kept rows of `previous` (renumbered by `newRowOf`) plus `added`. Two passes over
 * the kept postings: count, then fill, so the result is allocated once at its final size. Both
 * term lists are sorted, so they are merged without a map of either.
 */
function* mergePostings(previous: KeywordPostings, newRowOf: Int32Array, added: KeywordPostings, due: () => boolean): Generator<void, KeywordPostings, void> {
  const keptCount = new Int32Array(previous.terms.length);
  const { offsets: previousOffsets, rows: previousRows, titleFrequencies: previousTitle, bodyFrequencies: previousBody } = previous;
  for (let term = 0, termCount = previous.terms.length; term < termCount; term++) {
    let kept = 0;
    for (let index = previousOffsets[term], end = previousOffsets[term + 1]; index < end; index++) if (newRowOf[previousRows[index]] >= 0) kept++;
    keptCount[term] = kept;
    if (term % CHECK_EVERY === 0 && due()) yield;
  }
  let size = added.titleLengths.length;
  for (const row of newRowOf) size = Math.max(size, row + 1);

  const terms: string[] = [];
  const counts: number[] = [];
  const previousIdOf: number[] = [];
  const addedIdOf: number[] = [];
  for (let previousId = 0, addedId = 0; previousId < previous.terms.length || addedId < added.terms.length;) {
    const order = previousId >= previous.terms.length ? 1 : addedId >= added.terms.length ? -1 : compareTerms(previous.terms[previousId], added.terms[addedId]);
    const count = (order <= 0 ? keptCount[previousId] : 0) + (order >= 0 ? added.offsets[addedId + 1] - added.offsets[addedId] : 0);
    if (count > 0) {
      terms.push(order <= 0 ? previous.terms[previousId] : added.terms[addedId]);
      counts.push(count);
      previousIdOf.push(order <= 0 ? previousId : -1);
      addedIdOf.push(order >= 0 ? addedId : -1);
    }
    if (order <= 0) previousId++;
    if (order >= 0) addedId++;
    if (terms.length % CHECK_EVERY === 0 && due()) yield;
  }

  const offsets = new Int32Array(terms.length + 1);
  for (let term = 0; term < terms.length; term++) offsets[term + 1] = offsets[term] + counts[term];
  const total = offsets[terms.length];
  const rows = new Int32Array(total);
  const titleFrequencies = new Uint16Array(total);
  const bodyFrequencies = new Uint16Array(total);
  for (let id = 0; id < terms.length; id++) {
    let position = offsets[id];
    const previousId = previousIdOf[id];
    if (previousId >= 0) {
      for (let index = previousOffsets[previousId], end = previousOffsets[previousId + 1]; index < end; index++) {
        const row = newRowOf[previousRows[index]];
        if (row < 0) continue;
        rows[position] = row;
        titleFrequencies[position] = previousTitle[index];
        bodyFrequencies[position] = previousBody[index];
        position++;
      }
    }
    const addedId = addedIdOf[id];
    if (addedId >= 0) {
      const start = added.offsets[addedId];
      const end = added.offsets[addedId + 1];
      rows.set(added.rows.subarray(start, end), position);
      titleFrequencies.set(added.titleFrequencies.subarray(start, end), position);
      bodyFrequencies.set(added.bodyFrequencies.subarray(start, end), position);
    }
    // Row-sorted postings make search walk the score array forwards (cache friendly); added rows
    // may fall between kept ones, and kept ones move when sources are reordered.
    sortSegmentByRow(rows, titleFrequencies, bodyFrequencies, offsets[id], offsets[id + 1]);
    if (id % CHECK_EVERY === 0 && due()) yield;
  }

  // Added and kept rows are disjoint: start from the added lengths, then place the kept ones.
  const titleLengths = new Uint32Array(size);
  const bodyLengths = new Uint32Array(size);
  titleLengths.set(added.titleLengths);
  bodyLengths.set(added.bodyLengths);
  newRowOf.forEach((row, oldRow) => {
    if (row < 0) return;
    titleLengths[row] = previous.titleLengths[oldRow];
    bodyLengths[row] = previous.bodyLengths[oldRow];
  });
  return { terms, offsets, rows, titleFrequencies, bodyFrequencies, titleLengths, bodyLengths };
}

/** Postings of no rows, for a layered version that has none of its own yet. */
export function emptyKeywordPostings(): KeywordPostings {
  return {
    terms: [],
    offsets: new Int32Array(1),
    rows: new Int32Array(0),
    titleFrequencies: new Uint16Array(0),
    bodyFrequencies: new Uint16Array(0),
    titleLengths: new Uint32Array(0),
    bodyLengths: new Uint32Array(0),
  };
}

/**
 * The postings of a layered version (store/version-layers.ts): the base's rows and the version's
 * own, each moved to its row in the version (`baseToRow`, `ownToRow`; -1 for a base row left out).
 * The same postings, array for array, as one index of all the version's rows: each term's rows
 * are the same set, sorted by row, with the same frequencies and lengths.
 */
export function mergeLayerPostings(
  base: KeywordPostings,
  baseToRow: Int32Array,
  own: KeywordPostings,
  ownToRow: Int32Array,
  rowCount: number,
): KeywordPostings {
  const placed: KeywordPostings = {
    ...own,
    rows: own.rows.map((row) => ownToRow[row]),
    titleLengths: new Uint32Array(rowCount),
    bodyLengths: new Uint32Array(rowCount),
  };
  ownToRow.forEach((row, ownRow) => {
    placed.titleLengths[row] = own.titleLengths[ownRow];
    placed.bodyLengths[row] = own.bodyLengths[ownRow];
  });
  return runSteps(mergePostings(base, baseToRow, placed, NEVER_DUE));
}
