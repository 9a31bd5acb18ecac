/**
 * What serving asks of a dense graph, met by one hnswlib graph or by the shards of a sharded one
 * (graph-shards.ts). A search of a sharded graph asks every shard for its nearest `k` and keeps
 * the nearest `k` of them all: each shard's own top `k` holds every one of the overall top `k`
 * that it holds, so the merge loses nothing a shard found.
 */
import type hnswlib from "hnswlib-node";
import type { ShardRouting } from "./graph-shards.js";

export interface GraphSearchIndex {
  /** The stored (unit-length) vector of `label`. */
  getPoint(label: number): number[];
  /** The nearest `k` labels not marked deleted, nearest first, with their cosine distances. */
  searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] };
  /** The search `ef` (of every shard). */
  setEf(ef: number): void;
  getEf(): number;
  /** Elements in the graph, deleted ones included. */
  getCurrentCount(): number;
}

/** A loaded dense graph: LangChain's HNSWLib for one graph, or the shards of a sharded one. */
export interface DenseGraph {
  index: GraphSearchIndex;
}

export class ShardedGraphIndex implements GraphSearchIndex {
  constructor(
    readonly shards: hnswlib.HierarchicalNSW[],
    private readonly routing: ShardRouting,
  ) {}

  getPoint(label: number): number[] {
    const shard = this.routing.shardOf(label);
    if (shard < 0) throw new Error(`graph label ${label} is in no shard`);
    return this.shards[shard].getPoint(label);
  }

  searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] } {
    const found: { label: number; distance: number }[] = [];
    for (const shard of this.shards) {
      const count = shard.getCurrentCount();
      if (count === 0) continue;
      const { neighbors, distances } = shard.searchKnn(query, Math.min(k, count));
      neighbors.forEach((label, position) => found.push({ label, distance: distances[position] }));
    }
    found.sort((left, right) => left.distance - right.distance || left.label - right.label);
    const nearest = found.slice(0, k);
    return { neighbors: nearest.map((hit) => hit.label), distances: nearest.map((hit) => hit.distance) };
  }

  setEf(ef: number): void {
    for (const shard of this.shards) shard.setEf(ef);
  }

  getEf(): number {
    return this.shards[0].getEf();
  }

  getCurrentCount(): number {
    return this.shards.reduce((total, shard) => total + shard.getCurrentCount(), 0);
  }
}
