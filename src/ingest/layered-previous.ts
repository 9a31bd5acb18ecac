/**
 * What a layered re-index (layered-update.ts) needs of the serving version, and nothing more: the
 * base it links is checked byte for byte against the manifest but not parsed (its sources aside,
 * for their order), and only the version's own rows (a few, by construction) are read. A version
 * that does not check out is not reused at all: the re-index then rebuilds in full.
 */
import type { Chunk } from "../core/types.js";
import { INDEX_FILES } from "../store/index-layout.js";
import { emptyKeywordPostings, type KeywordPostings } from "../store/keyword-postings.js";
import type { ManifestLayers } from "../store/manifest.js";
import { verifyFileOnDisk } from "../store/version-files.js";
import { BASE_FILES, BASE_LAYER, expandRuns, layerSizes, OWN_LAYER, type RowPlaces } from "../store/version-layers.js";
import {
  graphElements,
  graphFileNames,
  readAddedVectorsFile,
  readChunksFile,
  readEmbedderModelFile,
  readKeywordsFile,
  readSourcesFile,
  type StoredVersion,
  verifyGraphFiles,
} from "../store/version-reader.js";

export interface LayeredPrevious extends StoredVersion {
  /** Where the previous version keeps the base files (its top-level files when it is not layered itself). */
  baseFiles: { sources: string; chunks: string; keywords: string };
  baseSize: { sources: number; chunks: number };
  /** Where each of the previous version's sources is: its layer and its row in that layer's sources file. */
  sourcePlaces: Map<string, { layer: number; row: number }>;
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
  const sourcePlaces = layers
    ? expandRuns(layers.sourceRuns, manifest.counts.sources, sizes.sources as [number, number], directory)
    : { layer: new Uint8Array(manifest.counts.sources).fill(BASE_LAYER), row: Int32Array.from({ length: manifest.counts.sources }, (_, row) => row) };
  const [placesById, ownChunks, ownKeywords, addedVectors, embedderModel] = await Promise.all([
    sourcePlacesById(stored, baseFiles.sources, sourcePlaces, sizes.sources as [number, number]),
    layers ? readChunksFile(directory, manifest, INDEX_FILES.chunks, sizes.chunks[OWN_LAYER]) : Promise.resolve([]),
    layers ? readKeywordsFile(directory, manifest, INDEX_FILES.keywords, sizes.chunks[OWN_LAYER]) : Promise.resolve(emptyKeywordPostings()),
    layers ? readAddedVectorsFile(directory, manifest, layers) : Promise.resolve([]),
    readEmbedderModelFile(directory, manifest),
    // Linked, not parsed: checked byte for byte all the same (unless this process hashed them and
    // no write touched them since), so a damaged base is never carried on.
    verifyFileOnDisk(directory, manifest, baseFiles.sources, { trustKnown: true }),
    verifyFileOnDisk(directory, manifest, baseFiles.chunks, { trustKnown: true }),
    verifyFileOnDisk(directory, manifest, baseFiles.keywords, { trustKnown: true }),
    verifyGraphFiles(directory, manifest, { withDocstore: true, trustKnown: true }),
  ]);
  return {
    ...stored,
    baseFiles,
    baseSize: { sources: sizes.sources[BASE_LAYER], chunks: sizes.chunks[BASE_LAYER] },
    sourcePlaces: placesById,
    chunkPlaces,
    ownChunks,
    ownKeywords,
    addedVectors: new Map((layers?.addedGraphLabels ?? []).map((label, position) => [label, addedVectors[position]])),
    deletedGraphLabels: layers?.deletedGraphLabels ?? [],
    graphElements: graphElements(manifest),
    embedderModel,
  };
}

/** Keys JSON.parse puts first whatever their place in the text: an object lists integer-like keys in numeric order. */
const INTEGER_LIKE = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * Each source's place by its id. The manifest's sources are written in the version's order, which
 * parsing keeps unless an id is integer-like (`"12"`, from an FAQ table's id column); only then are
 * the sources files read to find them (the version's own rows are the live ones where a base row
 * has the same id).
 */
async function sourcePlacesById(
  stored: StoredVersion,
  baseFile: string,
  places: RowPlaces,
  sizes: [number, number],
): Promise<Map<string, { layer: number; row: number }>> {
  const { directory, manifest } = stored;
  const ids = Object.keys(manifest.sources);
  const byId = new Map<string, { layer: number; row: number }>();
  if (!ids.some((id) => INTEGER_LIKE.test(id) && Number(id) < 2 ** 32 - 1)) {
    ids.forEach((id, position) => byId.set(id, { layer: places.layer[position], row: places.row[position] }));
    return byId;
  }
  const usedBaseRows = new Set<number>();
  places.layer.forEach((layer, position) => layer === BASE_LAYER && usedBaseRows.add(places.row[position]));
  const [base, own] = await Promise.all([
    readSourcesFile(directory, manifest, baseFile, sizes[BASE_LAYER]),
    manifest.layers ? readSourcesFile(directory, manifest, INDEX_FILES.sources, sizes[OWN_LAYER]) : Promise.resolve([]),
  ]);
  base.forEach((source, row) => usedBaseRows.has(row) && byId.set(source.sourceId, { layer: BASE_LAYER, row }));
  own.forEach((source, row) => byId.set(source.sourceId, { layer: OWN_LAYER, row }));
  return byId;
}

/** Files of a layered previous version its successor links: the base files and the graph (the model and kept parses are carried apart). */
export function linkedFileNames(previous: LayeredPrevious): { name: string; fromName: string }[] {
  return [
    { name: BASE_FILES.sources, fromName: previous.baseFiles.sources },
    { name: BASE_FILES.chunks, fromName: previous.baseFiles.chunks },
    { name: BASE_FILES.keywords, fromName: previous.baseFiles.keywords },
    // The graph files (every shard's, when it is sharded), linked unchanged.
    ...graphFileNames(previous.manifest).map((name) => ({ name, fromName: name })),
  ];
}
