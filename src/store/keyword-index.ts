/**
 * The keyword side of hybrid retrieval: BM25F over Chinese terms with two fields. A source's
 * question/title is a far better match for a user's question than its body, so it is weighted.
 */

import type { KeywordDocument } from "../text/keyword-terms.js";
import { indexOfSortedTerm } from "../text/sorted-terms.js";
import { buildKeywordPostings, type KeywordPostings } from "./keyword-postings.js";

export interface KeywordIndexOptions {
  titleWeight: number;
  bodyWeight: number;
  /** Length normalisation per field (BM25's b). */
  titleB: number;
  bodyB: number;
  k1: number;
}

export const DEFAULT_KEYWORD_OPTIONS: KeywordIndexOptions = { titleWeight: 8, bodyWeight: 1, titleB: 0.6, bodyB: 0.75, k1: 4 };

export interface KeywordHit {
  row: number;
  score: number;
}

export class KeywordIndex {
  readonly size: number;
  readonly postings: KeywordPostings;
  private readonly options: KeywordIndexOptions;
  /** Per row: field weight divided by the field's length normalisation. */
  private readonly titleFactor: Float32Array;
  private readonly bodyFactor: Float32Array;
  /** Reused score accumulator, one slot per row, cleared after each search. */
  private readonly scores: Float64Array;

  constructor(postings: KeywordPostings, options: KeywordIndexOptions = DEFAULT_KEYWORD_OPTIONS) {
    this.postings = postings;
    this.options = options;
    this.size = postings.titleLengths.length;
    const averageTitle = average(postings.titleLengths) || 1;
    const averageBody = average(postings.bodyLengths) || 1;
    this.titleFactor = Float32Array.from(
      postings.titleLengths,
      (length) => options.titleWeight / (1 - options.titleB + options.titleB * (length / averageTitle)),
    );
    this.bodyFactor = Float32Array.from(postings.bodyLengths, (length) => options.bodyWeight / (1 - options.bodyB + options.bodyB * (length / averageBody)));
    this.scores = new Float64Array(this.size);
  }

  /** Documents may be a generator, so a large folder's terms never need to be in memory at once. */
  static build(documents: Iterable<KeywordDocument>, options: KeywordIndexOptions = DEFAULT_KEYWORD_OPTIONS): KeywordIndex {
    return new KeywordIndex(buildKeywordPostings(documents), options);
  }

  /** In how many documents (chunks) the term occurs. */
  documentFrequency(term: string): number {
    const id = indexOfSortedTerm(this.postings.terms, term);
    return id < 0 ? 0 : this.postings.offsets[id + 1] - this.postings.offsets[id];
  }

  idf(term: string): number {
    const documentFrequency = this.documentFrequency(term);
    return Math.log(1 + (this.size - documentFrequency + 0.5) / (documentFrequency + 0.5));
  }

  /** Best rows for the query terms (repeated terms count with diminishing weight). */
  search(queryTerms: string[], limit: number): KeywordHit[] {
    const queryCounts = new Map<string, number>();
    for (const term of queryTerms) queryCounts.set(term, (queryCounts.get(term) ?? 0) + 1);
    const { k1 } = this.options;
    const { offsets, rows, titleFrequencies, bodyFrequencies } = this.postings;
    const { scores, titleFactor, bodyFactor } = this;
    let matched = false;
    for (const [term, count] of queryCounts) {
      const id = indexOfSortedTerm(this.postings.terms, term);
      if (id < 0) continue;
      matched = true;
      const weight = this.idf(term) * (1 + Math.log(count)) * (k1 + 1);
      // The hot loop has no branch: tracking which rows were touched cost five times the scoring
      // itself at 100k chunks, while one pass over all rows afterwards costs a fraction of a millisecond.
      for (let index = offsets[id], end = offsets[id + 1]; index < end; index++) {
        const row = rows[index];
        // BM25F: field frequencies are weighted and length-normalised before saturation.
        const frequency = titleFrequencies[index] * titleFactor[row] + bodyFrequencies[index] * bodyFactor[row];
        scores[row] += (weight * frequency) / (frequency + k1);
      }
    }
    if (!matched) return [];
    const hits = selectTop(scores, limit);
    scores.fill(0);
    return hits;
  }
}

function average(values: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < values.length; index++) sum += values[index];
  return values.length === 0 ? 0 : sum / values.length;
}

const better = (scores: Float64Array, left: number, right: number) => scores[left] > scores[right] || (scores[left] === scores[right] && left < right);

/** The `limit` best scored rows, best first, with a bounded min-heap instead of sorting. */
function selectTop(scores: Float64Array, limit: number): KeywordHit[] {
  const heap: number[] = [];
  const siftDown = (start: number) => {
    let position = start;
    for (;;) {
      const left = 2 * position + 1;
      const right = left + 1;
      let worst = position;
      if (left < heap.length && better(scores, heap[worst], heap[left])) worst = left;
      if (right < heap.length && better(scores, heap[worst], heap[right])) worst = right;
      if (worst === position) return;
      [heap[position], heap[worst]] = [heap[worst], heap[position]];
      position = worst;
    }
  };
  for (let row = 0; row < scores.length; row++) {
    if (scores[row] <= 0) continue;
    if (heap.length < limit) {
      heap.push(row);
      let position = heap.length - 1;
      while (position > 0) {
        const parent = (position - 1) >> 1;
        if (!better(scores, heap[parent], heap[position])) break;
        [heap[parent], heap[position]] = [heap[position], heap[parent]];
        position = parent;
      }
    } else if (limit > 0 && better(scores, row, heap[0])) {
      heap[0] = row;
      siftDown(0);
    }
  }
  return heap.sort((left, right) => (better(scores, left, right) ? -1 : 1)).map((row) => ({ row, score: scores[row] }));
}
