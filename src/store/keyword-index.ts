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

interface Postings {
  rows: number[];
  pseudoFrequencies: number[];
}

export interface KeywordHit {
  row: number;
  score: number;
}

export class KeywordIndex {
  readonly size: number;
  private readonly postings = new Map<string, Postings>();
  private readonly options: KeywordIndexOptions;

  constructor(documents: KeywordDocument[], options: KeywordIndexOptions = DEFAULT_KEYWORD_OPTIONS) {
    this.options = options;
    this.size = documents.length;
    const averageTitle = average(documents.map((document) => document.titleTerms.length));
    const averageBody = average(documents.map((document) => document.bodyTerms.length));
    documents.forEach((document, row) => {
      const titleNorm = 1 - options.titleB + options.titleB * (document.titleTerms.length / (averageTitle || 1));
      const bodyNorm = 1 - options.bodyB + options.bodyB * (document.bodyTerms.length / (averageBody || 1));
      const frequencies = new Map<string, number>();
      for (const term of document.titleTerms) frequencies.set(term, (frequencies.get(term) ?? 0) + options.titleWeight / titleNorm);
      for (const term of document.bodyTerms) frequencies.set(term, (frequencies.get(term) ?? 0) + options.bodyWeight / bodyNorm);
      for (const [term, pseudoFrequency] of frequencies) {
        let entry = this.postings.get(term);
        if (!entry) {
          entry = { rows: [], pseudoFrequencies: [] };
          this.postings.set(term, entry);
        }
        entry.rows.push(row);
        entry.pseudoFrequencies.push(pseudoFrequency);
      }
    });
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
    const scores = new Map<number, number>();
    const { k1 } = this.options;
    for (const [term, count] of queryCounts) {
      const entry = this.postings.get(term);
      if (!entry) continue;
      const weight = this.idf(term) * (1 + Math.log(count));
      for (let index = 0; index < entry.rows.length; index++) {
        const frequency = entry.pseudoFrequencies[index];
        const row = entry.rows[index];
        scores.set(row, (scores.get(row) ?? 0) + (weight * (frequency * (k1 + 1))) / (frequency + k1));
      }
    }
    return topHits(scores, limit);
  }
}

function average(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function topHits(scores: Map<number, number>, limit: number): KeywordHit[] {
  const hits: KeywordHit[] = [];
  for (const [row, score] of scores) hits.push({ row, score });
  hits.sort((left, right) => right.score - left.score || left.row - right.row);
  return hits.slice(0, limit);
}
