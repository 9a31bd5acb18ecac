/** Document frequencies learned from the knowledge folder, for IDF weights. */

export class TermStatistics {
  readonly documentCount: number;
  private readonly documentFrequency: Map<string, number>;

  constructor(documentCount: number, documentFrequency: Map<string, number>) {
    this.documentCount = documentCount;
    this.documentFrequency = documentFrequency;
  }

  /** Documents may be a generator, so the terms of a large folder are never all held at once. */
  static fromDocuments(documents: Iterable<string[]>): TermStatistics {
    const frequency = new Map<string, number>();
    let count = 0;
    for (const terms of documents) {
      count++;
      for (const term of new Set(terms)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    }
    return new TermStatistics(count, frequency);
  }

  /** Smoothed IDF; a term never seen gets the weight of a term seen once. */
  idf(term: string): number {
    const frequency = this.documentFrequency.get(term) ?? 1;
    return Math.log(1 + (this.documentCount - frequency + 0.5) / (frequency + 0.5));
  }

  has(term: string): boolean {
    return this.documentFrequency.has(term);
  }

  entries(): IterableIterator<[string, number]> {
    return this.documentFrequency.entries();
  }

  get size(): number {
    return this.documentFrequency.size;
  }
}
