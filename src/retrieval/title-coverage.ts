/**
 * How much of a source's question the user's message covers. People describe their problem at
 * length and usually restate their question somewhere in it; BM25 scores the query's terms in the
 * source, this scores the other direction: the share of the source title's IDF mass present in
 * the message. A long, specific title fully contained in the message is strong evidence of a match
 * that saturating BM25 term weights underrate.
 */
export function titleCoverage(queryTerms: ReadonlySet<string>, titleTerms: readonly string[], inverseDocumentFrequency: (term: string) => number): number {
  let total = 0;
  let covered = 0;
  for (const term of new Set(titleTerms)) {
    const weight = inverseDocumentFrequency(term);
    total += weight;
    if (queryTerms.has(term)) covered += weight;
  }
  return total === 0 ? 0 : covered / total;
}
