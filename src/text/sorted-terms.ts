/**
 * Term lists kept in ascending code-unit order: found by binary search instead of a map of every
 * term (a large folder has millions), and stored as one NUL-separated string, which parses far
 * faster than a JSON array of strings.
 */

/** Code-unit order, the order of every sorted term list. */
export function compareTerms(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Position of `term` in the sorted list, or -1. */
export function indexOfSortedTerm(terms: readonly string[], term: string): number {
  let low = 0;
  let high = terms.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const order = compareTerms(terms[middle], term);
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

const TERM_SEPARATOR = "\u0000";

export function joinTerms(terms: readonly string[]): string {
  if (terms.some((term) => term.includes(TERM_SEPARATOR))) throw new Error("a term contains NUL");
  return terms.join(TERM_SEPARATOR);
}

export function splitTerms(joined: string): string[] {
  return joined === "" ? [] : joined.split(TERM_SEPARATOR);
}
