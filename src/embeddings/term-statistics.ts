/** Document frequencies learned from the knowledge folder, for IDF weights. */
import { NEVER_DUE, runSteps } from "../core/build-pacer.js";
import { indexOfSortedTerm } from "../text/sorted-terms.js";

/** Terms in ascending code-unit order with their frequencies: looked up by binary search. */
export interface SortedTermFrequencies {
  terms: string[];
  frequencies: ArrayLike<number>;
}

export class TermStatistics {
  readonly documentCount: number;
  /**
   * A Map when fitted; sorted arrays when loaded from a model file, because building a Map of
   * every term of a large folder cost more than the rest of loading (an incremental re-index
   * embeds a handful of chunks, a query one text).
   */
  private readonly documentFrequency: Map<string, number> | SortedTermFrequencies;

  constructor(documentCount: number, documentFrequency: Map<string, number> | SortedTermFrequencies) {
    this.documentCount = documentCount;
    this.documentFrequency = documentFrequency;
  }

  /** Documents may be a generator, so the terms of a large folder are never all held at once. */
  static fromDocuments(documents: Iterable<string[]>): TermStatistics {
    return runSteps(TermStatistics.collect(documents, NEVER_DUE));
  }

  /** The counting loop as a step generator: it yields when `due()` (see BuildPacer.drive). */
  static *collect(documents: Iterable<string[]>, due: () => boolean): Generator<void, TermStatistics, void> {
    const frequency = new Map<string, number>();
    let count = 0;
    for (const terms of documents) {
      count++;
      for (const term of new Set(terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
      if (due()) yield;
    }
    return new TermStatistics(count, frequency);
  }

  frequency(term: string): number | undefined {
    const table = this.documentFrequency;
    if (table instanceof Map) return table.get(term);
    const position = indexOfSortedTerm(table.terms, term);
    return position < 0 ? undefined : table.frequencies[position];
  }

  /** Smoothed IDF; a term never seen gets the weight of a term seen once. */
  idf(term: string): number {
    const frequency = this.frequency(term) ?? 1;
    return Math.log(1 + (this.documentCount - frequency + 0.5) / (frequency + 0.5));
  }

  has(term: string): boolean {
    return this.frequency(term) !== undefined;
  }

  /**
   * All terms with their frequencies, in ascending term order; worked out once (the model's
   * fingerprint and its file both need it). The built-in sort compares by UTF-16 code units, the
   * order of compareTerms, far faster than a comparator over a large folder's terms.
   */
  sorted(): SortedTermFrequencies {
    const table = this.documentFrequency;
    if (!(table instanceof Map)) return table;
    if (!this.sortedTable) {
      const terms = [...table.keys()].sort();
      this.sortedTable = { terms, frequencies: terms.map((term) => table.get(term)!) };
    }
    return this.sortedTable;
  }

  private sortedTable: SortedTermFrequencies | undefined;

  get size(): number {
    const table = this.documentFrequency;
    return table instanceof Map ? table.size : table.terms.length;
  }
}
