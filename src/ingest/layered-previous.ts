/**
 * What a layered re-index (layered-update.ts) needs of the serving version, and nothing more: the
 * base it links is checked byte for byte against the manifest but not parsed (its sources aside,
 * for their order), and only the version's own rows (a few, by construction) are read. A version
 * that does not check out is not reused at all: the re-index then rebuilds in full.
 */
import type { Chunk, SourceDoc } from "../core/types.js";
import { INDEX_FILES } from "../store/index-layout.js";
import { emptyKeywordPostings, type KeywordPostings } from "../store/keyword-postings.js";
import type { ManifestLayers } from "../store/manifest.js";
import { verifyFileOnDisk } from "../store/version-files.js";
import { BASE_FILES, BASE_LAYER, expandRuns, layerSizes, OWN_LAYER, type RowPlaces } from "../store/version-layers.js";
import {
  graphElements,
  readAddedVectorsFile,
  readChunksFile,
  readEmbedderModelFile,
  readKeywordsFile,
  readSourcesFile,
  type StoredVersion,
  verifyGraphFiles,
} from "../store/version-reader.js";

/** The graph files a version holds (LangChain's HNSWLib layout), linked unchanged by a layered version. */
export const GRAPH_FILES = [`${INDEX_FILES.hnsw}/hnswlib.index`, `${INDEX_FILES.hnsw}/args.json`, `${INDEX_FILES.hnsw}/docstore.json`];

export interface LayeredPrevious extends StoredVersion {
  /** Where the previous version keeps the base files (its top-level files when it is not layered itself). */
  baseFiles: { sources: string; chunks: string; keywords: string };
  baseSize: { sources: number; chunks: number };
  /** The base's sources, by their row in the base file. */
  baseSources: SourceDoc[];
  /** Each of the previous version's chunk rows: its layer and row in that layer. */
  chunkPlaces: RowPlaces;
  /** The previous version's own rows (none when it is not layered). */
  ownChunks: Chunk[];
  ownKeywords: KeywordPostings;
  /** Vectors of the chunks its linked graph does not hold, by label, in insertion order. */
  addedVectors: Map<number, Float32Array>;
  deletedGraphLabels: number[];
  graphElements: number;
  embedderModel: Buffer | null;
}

/** The serving version as a layered re-index reuses it, or null when any file it would reuse does not match the manifest. */
export async function readLayeredPrevious(stored: StoredVersion): Promise<LayeredPrevious | null> {
  try {
    return await readChecked(stored);
  } catch {
    // A damaged previous version is rebuilt in full rather than trusted.
    return null;
  }
}

async function readChecked(stored: StoredVersion): Promise<LayeredPrevious> {
  const { directory, manifest } = stored;
  const layers: ManifestLayers | undefined = manifest.layers;
  const baseFiles = layers ? { ...BASE_FILES } : { sources: INDEX_FILES.sources, chunks: INDEX_FILES.chunks, keywords: INDEX_FILES.keywords };
  const sizes = layers ? layerSizes(layers) : { sources: [manifest.counts.sources, 0], chunks: [manifest.counts.chunks, 0] };
  const chunkPlaces = layers
    ? expandRuns(layers.chunkRuns, manifest.counts.chunks, sizes.chunks as [number, number], directory)
    : { layer: new Uint8Array(manifest.counts.chunks).fill(BASE_LAYER), row: Int32Array.from({ length: manifest.counts.chunks }, (_, row) => row) };
  const [baseSources, ownChunks, ownKeywords, addedVectors, embedderModel] = await Promise.all([
    readSourcesFile(directory, manifest, baseFiles.sources, sizes.sources[BASE_LAYER]),
    layers ? readChunksFile(directory, manifest, INDEX_FILES.chunks, sizes.chunks[OWN_LAYER]) : Promise.resolve([]),
    layers ? readKeywordsFile(directory, manifest, INDEX_FILES.keywords, sizes.chunks[OWN_LAYER]) : Promise.resolve(emptyKeywordPostings()),
    layers ? readAddedVectorsFile(directory, manifest, layers) : Promise.resolve([]),
    readEmbedderModelFile(directory, manifest),
    // Linked, not parsed: checked byte for byte all the same, so a damaged base is never carried on.
    verifyFileOnDisk(directory, manifest, baseFiles.chunks),
    verifyFileOnDisk(directory, manifest, baseFiles.keywords),
    verifyGraphFiles(directory, manifest, { withDocstore: true }),
  ]);
  return {
    ...stored,
    baseFiles,
    baseSize: { sources: sizes.sources[BASE_LAYER], chunks: sizes.chunks[BASE_LAYER] },
    baseSources,
    chunkPlaces,
    ownChunks,
    ownKeywords,
    addedVectors: new Map((layers?.addedGraphLabels ?? []).map((label, position) => [label, addedVectors[position]])),
    deletedGraphLabels: layers?.deletedGraphLabels ?? [],
    graphElements: graphElements(manifest),
    embedderModel,
  };
}

/** Files of a layered previous version its successor links: the base files and the graph (the model and kept parses are carried apart). */
export function linkedFileNames(previous: LayeredPrevious): { name: string; fromName: string }[] {
  return [
    { name: BASE_FILES.sources, fromName: previous.baseFiles.sources },
    { name: BASE_FILES.chunks, fromName: previous.baseFiles.chunks },
    { name: BASE_FILES.keywords, fromName: previous.baseFiles.keywords },
    ...GRAPH_FILES.map((name) => ({ name, fromName: name })),
  ];
}
