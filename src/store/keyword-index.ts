/**
 * The keyword side of hybrid retrieval: BM25F over Chinese terms with two fields. A source's
 * question/title is a far better match for a user's question than its body, so it is weighted.
 */

export interface KeywordIndexOptions {
  titleWeight: number;
  bodyWeight: number;
  /** Length normalisation per field (BM25's b). */
  titleB: number;
  bodyB: number;
  k1: number;
}

export const DEFAULT_KEYWORD_OPTIONS: KeywordIndexOptions = { titleWeight: 8, bodyWeight: 1, titleB: 0.6, bodyB: 0.75, k1: 4 };

export interface KeywordDocument {
  titleTerms: string[];
  bodyTerms: string[];
}

/** Raw term frequencies per field; BM25F's length normalisation is applied at query time. */
interface Postings {
  rows: Int32Array;
  titleFrequencies: Float32Array;
  bodyFrequencies: Float32Array;
}

interface GrowingPostings {
  rows: number[];
  titleFrequencies: number[];
  bodyFrequencies: number[];
}

export interface KeywordHit {
  row: number;
  score: number;
}

export class KeywordIndex {
  readonly size: number;
  private readonly postings = new Map<string, Postings>();
  private readonly options: KeywordIndexOptions;
  /** Per row: field weight divided by the field's length normalisation. */
  private readonly titleFactor: Float32Array;
  private readonly bodyFactor: Float32Array;
  /** Reused score accumulator, one slot per row; only touched slots are reset after a search. */
  private readonly scores: Float64Array;

  /** Documents may be a generator, so a large folder's terms never need to be in memory at once. */
  constructor(documents: Iterable<KeywordDocument>, options: KeywordIndexOptions = DEFAULT_KEYWORD_OPTIONS) {
    this.options = options;
    const growing = new Map<string, GrowingPostings>();
    const titleLengths: number[] = [];
    const bodyLengths: number[] = [];
    let row = 0;
    for (const document of documents) {
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
      for (const [term, [title, body]] of frequencies) {
        let entry = growing.get(term);
        if (!entry) {
          entry = { rows: [], titleFrequencies: [], bodyFrequencies: [] };
          growing.set(term, entry);
        }
        entry.rows.push(row);
        entry.titleFrequencies.push(title);
        entry.bodyFrequencies.push(body);
      }
      titleLengths.push(document.titleTerms.length);
      bodyLengths.push(document.bodyTerms.length);
      row++;
    }
    this.size = row;
    for (const [term, entry] of growing) {
      this.postings.set(term, {
        rows: Int32Array.from(entry.rows),
        titleFrequencies: Float32Array.from(entry.titleFrequencies),
        bodyFrequencies: Float32Array.from(entry.bodyFrequencies),
      });
    }
    const averageTitle = average(titleLengths) || 1;
    const averageBody = average(bodyLengths) || 1;
    this.titleFactor = Float32Array.from(titleLengths, (length) => options.titleWeight / (1 - options.titleB + options.titleB * (length / averageTitle)));
    this.bodyFactor = Float32Array.from(bodyLengths, (length) => options.bodyWeight / (1 - options.bodyB + options.bodyB * (length / averageBody)));
    this.scores = new Float64Array(this.size);
  }

  /** In how many documents (chunks) the term occurs. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.rows.length ?? 0;
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
    const scores = this.scores;
    const touched: number[] = [];
    for (const [term, count] of queryCounts) {
      const entry = this.postings.get(term);
      if (!entry) continue;
      const weight = this.idf(term) * (1 + Math.log(count)) * (k1 + 1);
      const { rows, titleFrequencies, bodyFrequencies } = entry;
      for (let index = 0; index < rows.length; index++) {
        const row = rows[index];
        // BM25F: field frequencies are weighted and length-normalised before saturation.
        const frequency = titleFrequencies[index] * this.titleFactor[row] + bodyFrequencies[index] * this.bodyFactor[row];
        if (scores[row] === 0) touched.push(row);
        scores[row] += (weight * frequency) / (frequency + k1);
      }
    }
    const hits = selectTop(touched, scores, limit);
    for (const row of touched) scores[row] = 0;
    return hits;
  }
}

function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

const better = (scores: Float64Array, left: number, right: number) => scores[left] > scores[right] || (scores[left] === scores[right] && left < right);

/** The `limit` best rows, best first, with a bounded min-heap instead of sorting every touched row. */
function selectTop(rows: number[], scores: Float64Array, limit: number): KeywordHit[] {
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
  for (const row of rows) {
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
