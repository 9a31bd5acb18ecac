/**
 * A sharded graph on disk (graph-shards.ts): each shard is a folder `hnsw/shard-<n>/` holding what
 * LangChain's HNSWLib saves (the graph, args.json, docstore.json). A full build builds every shard
 * on its own thread at the same time; loading, an update and reading vectors back route each label
 * to the shard the manifest says holds it, and send added chunks to the shard with the fewest.
 */
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { Document } from "@langchain/core/documents";
import type { Embeddings } from "@langchain/core/embeddings";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type hnswlib from "hnswlib-node";
import type { BuildPacer } from "../core/build-pacer.js";
import { labelRunsOf, type ManifestShard, SHARD_HNSW_PARAMETERS, shardFolder, ShardRouting, splitEvenly } from "./graph-shards.js";
import { ShardedGraphIndex } from "./sharded-graph-index.js";
import { addToStore, type GraphChanges, insertWhileServing, type LabelledVector, readGraph, saveNewGraph } from "./vector-store.js";

/**
 * Search `ef` of each shard of a graph whose largest shard holds `elements`. Measured at 100,000
 * chunks in two shards (M 32 / efConstruction 100), recall@10 of the merged search against exact
 * search was 0.974 / 0.994 / 0.996 / 1.000 at ef 256 / 384 / 512 / 768, and the search cost grows
 * with ef in every shard (docs/benchmarks.md, "Scale"): 385 at 50,000 a shard, 384 at least
 * (smaller shards are cheap to search), 1024 at most. A shard of 10,000 elements or fewer is
 * searched at 256, the floor of one graph: medqa's two shards of 3,622 rank the dev queries exactly
 * as its one graph does, and searching both at 384 cost 14 % of `retrieve`'s p50.
 */
export function shardSearchEf(elements: number): number {
  return Math.min(1024, Math.max(elements <= 10_000 ? 256 : 384, Math.round(elements / 130)));
}

/**
 * Builds `shards` graphs of `entries` split in order into (nearly) equal parts, each on its own
 * thread, all at once, saved under `directory` (the version's `hnsw/`). Returns the manifest's
 * record of the shards; the promise settles when every shard's files are written (or one fails,
 * after all have stopped: they write into the same staging folder).
 */
export async function saveNewGraphShards(
  directory: string,
  embeddings: Embeddings,
  entries: LabelledVector[],
  dimensions: number,
  shards: number,
  signal?: AbortSignal,
): Promise<ManifestShard[]> {
  const parts = splitEvenly(entries.length, shards).map(([start, end]) => entries.slice(start, end));
  const builds = parts.map(async (part, shard) => {
    const folder = path.join(directory, shardFolder(shard));
    await mkdir(folder, { recursive: true });
    // A shard's capacity is its own count: its labels are not its positions.
    await saveNewGraph(folder, embeddings, part, dimensions, signal, Math.max(1, part.length), SHARD_HNSW_PARAMETERS.efConstruction);
  });
  const settled = await Promise.allSettled(builds);
  const failed = settled.find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
  return parts.map((part) => ({ labelRuns: labelRunsOf(part.map((entry) => entry.label)) }));
}

/** Every shard searches at the ef its largest shard calls for. */
function setShardEf(indexes: hnswlib.HierarchicalNSW[]): void {
  const ef = shardSearchEf(Math.max(...indexes.map((index) => index.getCurrentCount())));
  for (const index of indexes) index.setEf(ef);
}

/** Room for `extra` more elements, grown by a quarter at least so a run of small updates does not resize each time. */
function growBy(index: hnswlib.HierarchicalNSW, extra: number): void {
  const needed = index.getCurrentCount() + extra;
  if (needed > index.getMaxElements()) index.resizeIndex(Math.max(needed, Math.ceil(index.getMaxElements() * 1.25)));
}

/** Marks `deletedLabels` in the shards holding them, then inserts `added` into the shard with the fewest elements. */
async function applyShardChanges(
  indexes: hnswlib.HierarchicalNSW[],
  routing: ShardRouting,
  { deletedLabels, added }: GraphChanges,
  onDeleted: (shard: number, label: number) => void = () => undefined,
  onAdded: (shard: number, entries: LabelledVector[]) => Promise<void> = async () => undefined,
): Promise<void> {
  for (const label of deletedLabels) {
    const shard = routing.shardOf(label);
    if (shard < 0) throw new Error(`deleted graph label ${label} is in no shard`);
    indexes[shard].markDelete(label);
    onDeleted(shard, label);
  }
  if (added.length === 0) return;
  const shard = routing.smallest();
  growBy(indexes[shard], added.length);
  for (const { label } of added) routing.add(label, shard);
  await onAdded(shard, added);
}

/**
 * Opens a sharded graph for serving: every shard's graph (not its docstore), with a layered
 * version's changes applied as an update of the shards would have applied them.
 */
export async function loadGraphShards(
  directory: string,
  shards: ManifestShard[],
  labelCount: number,
  changes: GraphChanges | undefined,
  corrupt: (problem: string) => Error,
): Promise<{ index: ShardedGraphIndex }> {
  const routing = new ShardRouting(shards, labelCount, corrupt);
  const indexes = (await Promise.all(shards.map((_, shard) => readGraph(path.join(directory, shardFolder(shard)))))).map(({ index }) => index);
  if (changes) await applyShardChanges(indexes, routing, changes, undefined, (shard, entries) => insertWhileServing(indexes[shard], entries));
  setShardEf(indexes);
  return { index: new ShardedGraphIndex(indexes, routing) };
}

/**
 * The previous version's shards (LangChain stores, docstores included) with a layered previous
 * version's changes and then this update's applied, ready to save; and the manifest's new record
 * of the shards.
 */
export async function updateGraphShards(
  previousDirectory: string,
  shards: ManifestShard[],
  labelCount: number,
  embeddings: Embeddings,
  changes: GraphChanges[],
  pacer: BuildPacer,
): Promise<{ stores: HNSWLib[]; shards: ManifestShard[]; elements: number }> {
  const routing = new ShardRouting(shards, labelCount, (problem) => new Error(`the previous graph's manifest is wrong: ${problem}`));
  const stores = await Promise.all(shards.map((_, shard) => HNSWLib.load(path.join(previousDirectory, shardFolder(shard)), embeddings)));
  const indexes = stores.map((store) => store.index);
  for (const change of changes)
    await applyShardChanges(
      indexes,
      routing,
      change,
      (shard, label) => (stores[shard].docstore as unknown as { _docs: Map<string, Document> })._docs.delete(String(label)),
      (shard, entries) => addToStore(stores[shard], entries, pacer),
    );
  setShardEf(indexes);
  return { stores, shards: routing.shards, elements: indexes.reduce((total, index) => total + index.getCurrentCount(), 0) };
}

/** The stored vectors of `labels` in a sharded graph, each read from the shard holding it, to rebuild without re-embedding. */
export async function readShardVectors(
  directory: string,
  shards: ManifestShard[],
  labelCount: number,
  labels: number[],
  corrupt: (problem: string) => Error,
  pacer?: BuildPacer,
): Promise<Float32Array[]> {
  const routing = new ShardRouting(shards, labelCount, corrupt);
  const indexes = (await Promise.all(shards.map((_, shard) => readGraph(path.join(directory, shardFolder(shard)))))).map(({ index }) => index);
  const vectors: Float32Array[] = [];
  for (const label of labels) {
    const shard = routing.shardOf(label);
    if (shard < 0) throw corrupt(`graph label ${label} is in no shard`);
    vectors.push(Float32Array.from(indexes[shard].getPoint(label)));
    if (pacer?.due()) await pacer.pause();
  }
  return vectors;
}
