/**
 * The dense index: LangChain's HNSWLib over hnswlib-node, on disk. The HNSW graph is built with
 * explicit parameters (LangChain's defaults leave search `ef` at 10, too low for good recall).
 * Each chunk has a graph label; an incremental re-index marks the labels of removed chunks deleted
 * and adds new ones to the previous graph instead of rebuilding it.
 */
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import type { Embeddings } from "@langchain/core/embeddings";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import hnswlib from "hnswlib-node";
import type { Chunk } from "../core/types.js";
import { BuildPacer } from "../core/build-pacer.js";
import { buildGraphFileOnThread } from "./graph-build-thread.js";
import type { DenseGraph } from "./sharded-graph-index.js";

/**
 * M 16 / efConstruction 100 with search ef chunks / 25 within 768–2048 inserted 100k chunks in about
 * 36 CPU seconds instead of 95 at recall@10 0.994 (docs/benchmarks.md, "Scale"), but after the
 * layered incremental versions a graph with many deleted labels no longer reached every live chunk
 * (test/store/layered-versions.test.ts), so the defaults stay until that is solved.
 */
export const HNSW_PARAMETERS = { M: 32, efConstruction: 200, efSearch: 256, space: "cosine" as const };

/**
 * Search `ef` grows with the graph: measured recall@10 against exact search on synthetic indexes
 * (128-dimension local vectors) was 0.999 at 10k chunks with ef 256, but 0.917 / 0.984 / 1.000 at
 * 100k with ef 256 / 512 / 1024 (docs/benchmarks.md, "Scale"). Larger ef costs a few milliseconds at 100k.
 */
export function searchEf(count: number): number {
  return Math.min(1024, Math.max(HNSW_PARAMETERS.efSearch, Math.round(count / 100)));
}

export interface ChunkDocumentMetadata {
  chunkId: string;
  sourceId: string;
  chunkIndex: number;
}

/** One chunk to put into the graph under `label`. */
export interface LabelledVector {
  label: number;
  chunk: Chunk;
  vector: Float32Array;
}

/**
 * What a layered version (store/version-layers.ts) changes in the graph it links: labels to mark
 * deleted, then chunks to insert, in order. Applied in memory when the graph is loaded, they give
 * the graph an incremental re-index would have written, without writing it.
 */
export interface GraphChanges {
  deletedLabels: number[];
  added: LabelledVector[];
}

/** Inserting is the slowest part of a build (seconds at 20k chunks), so it pauses every slice. */
export async function addToStore(store: HNSWLib, entries: LabelledVector[], pacer?: BuildPacer): Promise<void> {
  for (const { label, vector } of entries) {
    if (pacer?.due()) await pacer.pause();
    store.index.addPoint(Array.from(vector), label);
  }
  addToDocstore(store, entries);
}

function addToDocstore(store: HNSWLib, entries: LabelledVector[]): void {
  const documents: Record<number, Document<ChunkDocumentMetadata>> = {};
  for (const { label, chunk } of entries) {
    // The docstore keeps each label's chunk id, not its text: chunks.json already holds the text,
    // and a second copy made every re-index write, and re-read, the whole folder once more.
    documents[label] = new Document({ pageContent: "", metadata: { chunkId: chunk.chunkId, sourceId: chunk.sourceId, chunkIndex: chunk.index } });
  }
  store.docstore.add(documents);
}

/**
 * A new graph of exactly `entries`, built on a worker thread (graph-build-thread.ts) and saved in
 * `directory` as HNSWLib.save saves one: the graph file, and args.json and docstore.json with the
 * same contents. This thread is free while the graph is built; the returned promise settles when
 * all three files are written.
 */
export async function saveNewGraph(
  directory: string,
  embeddings: Embeddings,
  entries: LabelledVector[],
  dimensions: number,
  signal?: AbortSignal,
  capacity = entries.reduce((largest, entry) => Math.max(largest, entry.label + 1), 1),
  efConstruction = HNSW_PARAMETERS.efConstruction,
): Promise<void> {
  const labels = new Int32Array(entries.length);
  const vectors = new Float32Array(entries.length * dimensions);
  entries.forEach(({ label, vector }, position) => {
    labels[position] = label;
    vectors.set(vector, position * dimensions);
  });
  const graph = buildGraphFileOnThread(
    { ...HNSW_PARAMETERS, efConstruction, dimensions, randomSeed: 100, capacity, labels, vectors, file: path.join(directory, "hnswlib.index") },
    signal,
  );
  // The same side files HNSWLib.save writes; an unfilled index stands in for the graph in args.json (it serializes as {}).
  const store = new HNSWLib(embeddings, {
    space: HNSW_PARAMETERS.space,
    numDimensions: dimensions,
    index: new hnswlib.HierarchicalNSW(HNSW_PARAMETERS.space, dimensions),
  });
  addToDocstore(store, entries);
  const docs = (store.docstore as unknown as { _docs: Map<string, Document> })._docs;
  await Promise.all([
    graph,
    writeFile(path.join(directory, "args.json"), JSON.stringify(store.args)),
    writeFile(path.join(directory, "docstore.json"), JSON.stringify(Array.from(docs.entries()))),
  ]);
}

/** Builds a new graph holding exactly `entries`. */
export async function buildVectorStore(embeddings: Embeddings, entries: LabelledVector[], dimensions: number, pacer?: BuildPacer): Promise<HNSWLib> {
  const index = new hnswlib.HierarchicalNSW(HNSW_PARAMETERS.space, dimensions);
  const capacity = entries.reduce((largest, entry) => Math.max(largest, entry.label + 1), 1);
  index.initIndex(capacity, HNSW_PARAMETERS.M, HNSW_PARAMETERS.efConstruction, 100);
  const store = new HNSWLib(embeddings, { space: HNSW_PARAMETERS.space, numDimensions: dimensions, index });
  await addToStore(store, entries, pacer);
  index.setEf(searchEf(entries.length));
  return store;
}

/**
 * Loads the previous graph, hides `deletedLabels` from search and adds `additions`. A layered
 * previous version's own changes (`previousChanges`) are applied first, as loading it does.
 */
export async function updateVectorStore(
  previousDirectory: string,
  embeddings: Embeddings,
  deletedLabels: number[],
  additions: LabelledVector[],
  pacer?: BuildPacer,
  previousChanges?: GraphChanges,
): Promise<HNSWLib> {
  const store = await HNSWLib.load(previousDirectory, embeddings);
  if (previousChanges) await applyChanges(store, previousChanges.deletedLabels, previousChanges.added, pacer);
  await applyChanges(store, deletedLabels, additions, pacer);
  store.index.setEf(searchEf(store.index.getCurrentCount()));
  return store;
}

async function applyChanges(store: HNSWLib, deletedLabels: number[], additions: LabelledVector[], pacer?: BuildPacer): Promise<void> {
  const docs = (store.docstore as unknown as { _docs: Map<string, Document> })._docs;
  for (const label of deletedLabels) {
    store.index.markDelete(label);
    docs.delete(String(label));
  }
  growFor(store.index, additions);
  await addToStore(store, additions, pacer);
}

/** Room for the labels of `additions`, grown by a quarter at least so a run of small updates does not resize each time. */
function growFor(index: hnswlib.HierarchicalNSW, additions: LabelledVector[]): void {
  const needed = additions.reduce((largest, entry) => Math.max(largest, entry.label + 1), 0);
  if (needed > index.getMaxElements()) index.resizeIndex(Math.max(needed, Math.ceil(index.getMaxElements() * 1.25)));
}

/**
 * Opens a graph for serving. Only the graph is read: LangChain's docstore.json repeats every
 * chunk's text, which the loaded index already holds, so serving skips it and maps graph labels
 * to chunk rows itself (a 100k-chunk folder would otherwise hold its text twice).
 */
export async function loadVectorStore(directory: string, embeddings: Embeddings, changes?: GraphChanges): Promise<HNSWLib> {
  const { index, args } = await readGraph(directory);
  if (changes) {
    // A layered version: the same marks and insertions, in the same order, as an update of the graph file.
    for (const label of changes.deletedLabels) index.markDelete(label);
    growFor(index, changes.added);
    await insertWhileServing(index, changes.added);
  }
  index.setEf(searchEf(index.getCurrentCount()));
  return new HNSWLib(embeddings, { space: args.space, numDimensions: args.numDimensions, index });
}

/**
 * Inserts `entries` into a graph being loaded for serving. Each insertion takes a fraction of a
 * millisecond: pausing between them keeps a server answering while it loads a new version.
 */
export async function insertWhileServing(index: hnswlib.HierarchicalNSW, entries: readonly LabelledVector[]): Promise<void> {
  const pacer = new BuildPacer();
  for (const { label, vector } of entries) {
    if (pacer.due()) await pacer.pause();
    index.addPoint(Array.from(vector), label);
  }
}

/** The stored (unit-length) vectors of `labels` in a saved graph, to rebuild it without re-embedding. */
export async function readGraphVectors(directory: string, labels: number[], pacer?: BuildPacer): Promise<Float32Array[]> {
  const { index } = await readGraph(directory);
  const vectors: Float32Array[] = [];
  for (const label of labels) {
    vectors.push(Float32Array.from(index.getPoint(label)));
    if (pacer?.due()) await pacer.pause();
  }
  return vectors;
}

/** The graph LangChain's HNSWLib saved in `directory` (its args.json and hnswlib.index), without the docstore. */
export async function readGraph(directory: string): Promise<{ index: hnswlib.HierarchicalNSW; args: { space: "cosine"; numDimensions: number } }> {
  const args = JSON.parse(await readFile(path.join(directory, "args.json"), "utf8")) as { space: "cosine"; numDimensions: number };
  const index = new hnswlib.HierarchicalNSW(args.space, args.numDimensions);
  await index.readIndex(path.join(directory, "hnswlib.index"));
  return { index, args };
}

export interface VectorHit {
  /** The chunk's graph label. */
  label: number;
  /** Cosine similarity, from -1 to 1. */
  similarity: number;
}

/** Nearest chunks to a query vector. */
export function searchVectorStore(store: DenseGraph, queryVector: number[], limit: number): VectorHit[] {
  const count = store.index.getCurrentCount();
  if (count === 0) return [];
  // Labels marked deleted are skipped, so fewer than `limit` may come back.
  const { neighbors, distances } = store.index.searchKnn(queryVector, Math.min(limit, count));
  return neighbors.map((label, position) => ({ label, similarity: 1 - distances[position] }));
}
