/**
 * The index manifest: who embedded it, how it was chunked, every source's content hash, and a
 * record of every other file in the version (size and SHA-256) so that readers can refuse a damaged
 * file before parsing it or handing it to native code. The manifest carries its own checksum too.
 */
import type { EmbedderDescriptor } from "../embeddings/knowledge-embeddings.js";
import type { ChunkOptions } from "../core/types.js";
import type { ManifestShard } from "./graph-shards.js";

/**
 * 4: the manifest records every file's size and checksum and its own checksum. 5: a version may be
 * layered (`layers`): its own rows on top of a base it links unchanged from an earlier version.
 * 6: a large folder's graph may be sharded (`hnsw.shards`, files under `hnsw/shard-<n>/`).
 */
export const INDEX_FORMAT_VERSION = 6;

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
    /**
     * Elements in the graph file, when not `nextLabel`: a layered version's linked graph lacks the
     * chunks added since, and a label given to a chunk that was gone again before the graph was
     * next written is in no graph.
     */
    elements?: number;
    /**
     * Present when the graph is sharded (graph-shards.ts): the labels each shard holds. The graph
     * files are then `hnsw/shard-<n>/…` instead of `hnsw/…`, and `elements` is their sum.
     */
    shards?: ManifestShard[];
  };
  counts: { sources: number; chunks: number };
  sources: Record<string, ManifestSource>;
  /** The admin's synonym groups (synonyms.txt) as of this build; the shipped ones are not stored. */
  synonyms?: string[][];
  /** Present on a layered version only (see version-layers.ts); a version without it holds every row itself. */
  layers?: ManifestLayers;
}

/**
 * A layered version: an incremental re-index links the rows of the last full (or compacted) build
 * unchanged, as the base under `base/`, and writes only its own rows (the sources changed or added
 * since that build) in the usual top-level files. The graph file is the base's, linked too; the
 * chunks added since are inserted and the ones gone are marked deleted when it is loaded.
 */
export interface ManifestLayers {
  /** Rows in the base files: `base/sources.json`, `base/chunks.json` and `base/keywords.bin`. */
  base: { sources: number; chunks: number };
  /**
   * The version's sources and chunks in order, as runs of three numbers: layer (0 base, 1 own),
   * first row in that layer's file, count.
   */
  sourceRuns: number[];
  chunkRuns: number[];
  /** Labels the linked graph holds that this version no longer has, marked deleted on load. */
  deletedGraphLabels: number[];
  /** Labels of chunks not in the linked graph, in insertion order; their vectors are the rows of `vectors.bin`. */
  addedGraphLabels: number[];
}

/** The manifest as stored: the contents above, the file records, and a checksum over both. */
export interface StoredManifest extends IndexManifest {
  /** Every file of the version except manifest.json, sorted by path. */
  files: VersionFile[];
  /** Hex SHA-256 of this manifest's JSON without the `checksum` field. */
  checksum: string;
}
