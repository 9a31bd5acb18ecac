/** Fusion of the dense and keyword rankings, per source. */

export interface RankedSource {
  sourceId: string;
  score: number;
}

/** Reciprocal-rank fusion: robust to the two scores being on different scales. */
export function reciprocalRankFusion(rankings: { items: RankedSource[]; weight: number }[], k = 60): Map<string, number> {
  const fused = new Map<string, number>();
  for (const { items, weight } of rankings) {
    items.forEach((item, rank) => fused.set(item.sourceId, (fused.get(item.sourceId) ?? 0) + weight / (k + rank + 1)));
  }
  return fused;
}

/** Weighted sum of scores each divided by its list's best score. */
export function normalizedScoreFusion(rankings: { items: RankedSource[]; weight: number }[]): Map<string, number> {
  const fused = new Map<string, number>();
  for (const { items, weight } of rankings) {
    const best = items[0]?.score ?? 0;
    if (best <= 0) continue;
    for (const item of items) fused.set(item.sourceId, (fused.get(item.sourceId) ?? 0) + (weight * Math.max(0, item.score)) / best);
  }
  return fused;
}
