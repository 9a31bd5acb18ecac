/**
 * Binary search over an array of strings sorted by UTF-16 code unit (the order of `Array#sort` and
 * of `<`): the keyword index's terms and jieba's dictionary are kept that way, so every word
 * beginning with a prefix is one contiguous run starting at the prefix's own position.
 */

/** Position of the first entry not less than `key` (the array's length when there is none). */
export function firstAtLeast(sorted: readonly string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle] < key) low = middle + 1;
    else high = middle;
  }
  return low;
}
