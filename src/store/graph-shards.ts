/**
 * Sharding a large folder's HNSW graph. hnswlib-node inserts on one thread only, so one graph of
 * 100,000 chunks kept one core busy for about 95 CPU seconds while the other idled. From
 * `minChunks` chunks a full build splits the vectors into `count` shards, builds each on its own
 * thread at the same time and saves each in its own folder (`hnsw/shard-<n>/`, LangChain's HNSWLib
 * layout); a search asks every shard and merges by distance (sharded-graph-index.ts). Below
 * `minChunks` the graph is the one it always was, file for file.
 *
 * The manifest records which labels each shard holds, as runs, so a deletion marks the label in
 * the shard that holds it; chunks added later go to the shard with the fewest elements.
 */
import os from "node:os";
import { HNSW_PARAMETERS } from "./vector-store.js";

export interface GraphSharding {
  /** Chunks from which a new graph is sharded. */
  minChunks: number;
  /** Shards of a sharded graph (1: never sharded). */
  count: number;
}

/** More shards than this are refused in a manifest: each one is a thread to build and a search to run. */
export const MAX_GRAPH_SHARDS = 8;

/**
 * 5,000 chunks: from about there inserting one graph (~1 s on one thread) is what a full re-index
 * waits for last. medqa (7,244 chunks) in two shards re-indexes in 2.9 s against 3.8 s with one
 * graph, ranking the dev queries exactly as before (docs/index-and-reindex.md, "Measured"); at
 * 100,000 two shards built at once took the graph from ~95 to ~2 × 40 CPU seconds on two cores
 * (docs/benchmarks.md, "Scale"). One shard per core the machine offers, at most four.
 */
export const DEFAULT_GRAPH_SHARDING: GraphSharding = { minChunks: 5_000, count: Math.min(4, Math.max(1, os.availableParallelism())) };

/**
 * A shard is built with efConstruction 100 instead of 200 (M stays 32, so a graph with many deleted
 * labels still reaches every live chunk): measured on a 50,000-chunk graph, one shard of a 100k
 * folder, insertion took 15.7 CPU seconds instead of 29.1 at recall@10 0.987 / 1.000 at ef 512 /
 * 1024 against 0.995 / 1.000 (docs/benchmarks.md, "Scale").
 */
export const SHARD_HNSW_PARAMETERS = { ...HNSW_PARAMETERS, efConstruction: 100 };

/** The build parameters of a graph: a sharded graph's shards have their own. */
export function graphParameters(sharded: boolean): { M: number; efConstruction: number } {
  const { M, efConstruction } = sharded ? SHARD_HNSW_PARAMETERS : HNSW_PARAMETERS;
  return { M, efConstruction };
}

/** Shards of a new graph of `chunks` chunks: 1 (not sharded) below the threshold or on one core. */
export function shardCountFor(chunks: number, sharding: GraphSharding): number {
  const count = Math.min(MAX_GRAPH_SHARDS, Math.floor(sharding.count));
  return chunks >= sharding.minChunks && count >= 2 && chunks >= count ? count : 1;
}

/** One shard of a sharded graph, as the manifest records it. */
export interface ManifestShard {
  /** The labels it holds (deleted ones included), as pairs of first label and count, in insertion order. */
  labelRuns: number[];
}

/** Where shard `shard`'s files are, inside the version's `hnsw/` folder. */
export function shardFolder(shard: number): string {
  return `shard-${shard}`;
}

/** Elements in a shard's graph file: every label it was given. */
export function shardElements(shard: ManifestShard): number {
  let total = 0;
  for (let index = 1; index < shard.labelRuns.length; index += 2) total += shard.labelRuns[index];
  return total;
}

/** The positions of `count` items split into `shards` contiguous parts of (nearly) equal size. */
export function splitEvenly(count: number, shards: number): [number, number][] {
  return Array.from({ length: shards }, (_, shard) => [Math.floor((shard * count) / shards), Math.floor(((shard + 1) * count) / shards)]);
}

/**
 * Which shard holds each label, and where new labels go. Built from the manifest's runs (checked:
 * within the labels the manifest gives out, each label in one shard at most), then told of every
 * label added, so the runs of the graph written next come out of it.
 */
export class ShardRouting {
  /** Shard of each label, -1 for a label in no shard. */
  private readonly shardByLabel: Int8Array;
  readonly shards: ManifestShard[];

  /** Throws `corrupt(problem)` when the runs do not fit `labelCount` labels. */
  constructor(shards: readonly ManifestShard[], labelCount: number, corrupt: (problem: string) => Error) {
    if (!Array.isArray(shards) || shards.length < 2 || shards.length > MAX_GRAPH_SHARDS)
      throw corrupt(`its graph has ${Array.isArray(shards) ? shards.length : "no list of"} shards, not 2–${MAX_GRAPH_SHARDS}`);
    this.shardByLabel = new Int8Array(labelCount).fill(-1);
    this.shards = shards.map((shard, position) => {
      const runs = shard?.labelRuns;
      if (!Array.isArray(runs) || runs.length % 2 !== 0) throw corrupt(`its graph shard ${position} holds no runs of labels`);
      for (let index = 0; index < runs.length; index += 2) {
        const [first, count] = [runs[index], runs[index + 1]];
        if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 1 || first + count > labelCount)
          throw corrupt(`its graph shard ${position} names labels out of range`);
        for (let label = first; label < first + count; label++) {
          if (this.shardByLabel[label] !== -1) throw corrupt(`its graph shards both hold label ${label}`);
          this.shardByLabel[label] = position;
        }
      }
      return { labelRuns: [...runs] };
    });
  }

  /** The shard holding `label`, or -1. */
  shardOf(label: number): number {
    return label >= 0 && label < this.shardByLabel.length ? this.shardByLabel[label] : -1;
  }

  /** The shard new labels go to: the one with the fewest elements (the first of equals). */
  smallest(): number {
    const sizes = this.shards.map(shardElements);
    return sizes.indexOf(Math.min(...sizes));
  }

  /** Records `label` as added to `shard` (the routing must cover it). */
  add(label: number, shard: number): void {
    if (label >= this.shardByLabel.length || this.shardByLabel[label] !== -1) throw new Error(`graph label ${label} cannot be added to shard ${shard}`);
    this.shardByLabel[label] = shard;
    const runs = this.shards[shard].labelRuns;
    if (runs.length > 0 && runs[runs.length - 2] + runs[runs.length - 1] === label) runs[runs.length - 1]++;
    else runs.push(label, 1);
  }
}

/** The runs of a new shard holding `labels` in this order. */
export function labelRunsOf(labels: Iterable<number>): number[] {
  const runs: number[] = [];
  for (const label of labels) {
    if (runs.length > 0 && runs[runs.length - 2] + runs[runs.length - 1] === label) runs[runs.length - 1]++;
    else runs.push(label, 1);
  }
  return runs;
}
