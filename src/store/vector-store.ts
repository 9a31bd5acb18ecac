/**
 * The dense index: LangChain's HNSWLib over hnswlib-node, on disk. The HNSW graph is built with
 * explicit parameters (LangChain's defaults leave search `ef` at 10, too low for good recall).
 */
import { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import { Document } from "@langchain/core/documents";
import type { Embeddings } from "@langchain/core/embeddings";
import hnswlib from "hnswlib-node";
import type { Chunk } from "../core/types.js";

export const HNSW_PARAMETERS = { M: 16, efConstruction: 100, efSearch: 128, space: "cosine" as const };

export interface ChunkDocumentMetadata {
  chunkId: string;
  sourceId: string;
  chunkIndex: number;
  row: number;
}

/** Builds the HNSW store; row i of `vectors` is `chunks[i]` and gets label i. */
export function buildVectorStore(embeddings: Embeddings, chunks: Chunk[], vectors: Float32Array[], dimensions: number): HNSWLib {
  const index = new hnswlib.HierarchicalNSW(HNSW_PARAMETERS.space, dimensions);
  index.initIndex(Math.max(1, chunks.length), HNSW_PARAMETERS.M, HNSW_PARAMETERS.efConstruction, 100);
  const store = new HNSWLib(embeddings, { space: HNSW_PARAMETERS.space, numDimensions: dimensions, index });
  const documents: Record<number, Document<ChunkDocumentMetadata>> = {};
  chunks.forEach((chunk, row) => {
    index.addPoint(Array.from(vectors[row]), row);
    documents[row] = new Document({ pageContent: chunk.text, metadata: { chunkId: chunk.chunkId, sourceId: chunk.sourceId, chunkIndex: chunk.index, row } });
  });
  store.docstore.add(documents);
  index.setEf(HNSW_PARAMETERS.efSearch);
  return store;
}

export async function loadVectorStore(directory: string, embeddings: Embeddings): Promise<HNSWLib> {
  const store = await HNSWLib.load(directory, embeddings);
  store.index.setEf(HNSW_PARAMETERS.efSearch);
  return store;
}

export interface VectorHit {
  row: number;
  /** Cosine similarity, from -1 to 1. */
  similarity: number;
}

/** Nearest chunks to a query vector. */
export async function searchVectorStore(store: HNSWLib, queryVector: number[], limit: number): Promise<VectorHit[]> {
  const count = store.index.getCurrentCount();
  if (count === 0) return [];
  const results = await store.similaritySearchVectorWithScore(queryVector, Math.min(limit, count));
  return results.map(([document, distance]) => ({ row: (document.metadata as ChunkDocumentMetadata).row, similarity: 1 - distance }));
}
