/** The index manifest: who embedded it, how it was chunked, and every source's content hash. */
import type { EmbedderDescriptor } from "../embeddings/knowledge-embeddings.js";
import type { ChunkOptions } from "../ingest/chunk-text.js";

export const INDEX_FORMAT_VERSION = 3;

export interface ManifestSource {
  contentHash: string;
  file: string;
  /** Rows of chunks.json (and of the keyword index) holding this source's chunks, in order. */
  chunkRows: number[];
  /** The chunks' labels in the HNSW graph, in the same order. */
  chunkLabels: number[];
}

export interface IndexManifest {
  formatVersion: number;
  version: string;
  builtAt: string;
  embedder: EmbedderDescriptor;
  chunkOptions: ChunkOptions;
  hnsw: {
    M: number;
    efConstruction: number;
    efSearch: number;
    space: "cosine";
    /** Next free graph label. */
    nextLabel: number;
    /** Labels marked deleted by incremental re-indexes since the graph was last rebuilt. */
    deletedLabels: number;
  };
  counts: { sources: number; chunks: number };
  sources: Record<string, ManifestSource>;
}
