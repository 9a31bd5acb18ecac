/**
 * The index manifest: who embedded it, how it was chunked, every source's content hash, and a
 * record of every other file in the version (size and SHA-256) so that readers can refuse a damaged
 * file before parsing it or handing it to native code. The manifest carries its own checksum too.
 */
import type { EmbedderDescriptor } from "../embeddings/knowledge-embeddings.js";
import type { ChunkOptions } from "../core/types.js";

/** 4: the manifest records every file's size and checksum and its own checksum. */
export const INDEX_FORMAT_VERSION = 4;

/** One file of a version, as the build wrote it. */
export interface VersionFile {
  /** Relative to the version directory, with `/` separators. */
  path: string;
  bytes: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
}

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
  /** The admin's synonym groups (synonyms.txt) as of this build; the shipped ones are not stored. */
  synonyms?: string[][];
}

/** The manifest as stored: the contents above, the file records, and a checksum over both. */
export interface StoredManifest extends IndexManifest {
  /** Every file of the version except manifest.json, sorted by path. */
  files: VersionFile[];
  /** Hex SHA-256 of this manifest's JSON without the `checksum` field. */
  checksum: string;
}
