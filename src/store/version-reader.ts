/**
 * Reading an index version: the version CURRENT names with its checked manifest, and the parts a
 * reader needs (sources, chunks, embedder model, keyword postings, the graph's files), each checked
 * against the manifest's record of it (INDEX_CORRUPT naming the file) before a byte of it is parsed
 * or handed to hnswlib. Serving (loaded-index.ts) and an incremental re-index (build-index.ts) both
 * read through here, so both trust exactly the same checks.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { KnowledgeBotError } from "../core/errors.js";
import type { Chunk, SourceDoc } from "../core/types.js";
import { configuredEmbedderId, type EmbedderConfig } from "../embeddings/create-embedder.js";
import { LOCAL_EMBEDDER_ID } from "../embeddings/local-embeddings.js";
import type { BuildPacer } from "../core/build-pacer.js";
import { checkHnswHeader } from "./hnsw-header.js";
import { INDEX_FILES, readCurrentVersion, versionDirectory } from "./index-layout.js";
import { decodeKeywordPostings } from "./keyword-file.js";
import { type KeywordPostings, mergeLayerPostings } from "./keyword-postings.js";
import { INDEX_FORMAT_VERSION, type IndexManifest, type ManifestLayers, type StoredManifest } from "./manifest.js";
import { type GraphChanges, type LabelledVector, readGraphVectors as readOneGraphVectors } from "./vector-store.js";
import { readShardVectors } from "./graph-shard-files.js";
import { shardElements, shardFolder, ShardRouting } from "./graph-shards.js";
import {
  ADDED_VECTORS_FILE,
  assembleRows,
  BASE_FILES,
  BASE_LAYER,
  decodeAddedVectors,
  expandRuns,
  layerRowMap,
  layerSizes,
  OWN_LAYER,
} from "./version-layers.js";
import { checkManifestSeal, fileRecord, indexFileCorrupt, knownManifest, parseVerifiedJson, readVerifiedFile, verifyFileOnDisk } from "./version-files.js";

/** A finished version on disk and its checked manifest. */
export interface StoredVersion {
  version: string;
  directory: string;
  manifest: StoredManifest;
}

/** The parts of a version read into memory, each checked against the manifest. */
export interface VersionParts {
  /** Read only when asked for: an incremental re-index takes the sources from the knowledge folder. */
  sources?: SourceDoc[];
  chunks: Chunk[];
  /** The embedder's saved model, or null for an embedder that keeps none. */
  embedderModel: Buffer | null;
  keywordPostings: KeywordPostings;
  /** A layered version's changes to its linked graph, applied when the graph is loaded. */
  graphChanges?: GraphChanges;
}

export interface VersionPartsOptions {
  /** Read sources.json too (serving needs it). */
  sources?: boolean;
  /** Check LangChain's docstore.json too: updating the graph in place reads it, serving does not. */
  withDocstore?: boolean;
}

/**
 * The version CURRENT names with its manifest (its own checksum checked), or null when no index
 * has been built yet. A manifest that describes another version is INDEX_CORRUPT.
 */
export async function readServingVersion(indexDir: string): Promise<StoredVersion | null> {
  const version = await readCurrentVersion(indexDir);
  if (!version) return null;
  const directory = versionDirectory(indexDir, version);
  const manifest = await readManifest(directory);
  if (manifest.version !== version)
    throw indexFileCorrupt(directory, INDEX_FILES.manifest, `it describes version ${JSON.stringify(manifest.version)}, not ${version}`);
  return { version, directory, manifest };
}

/**
 * Reads a version's parts, every file checked against the manifest first, the graph files
 * included (they reach hnswlib, native code that trusts its input, whoever opens them next).
 */
export async function readVersionParts({ directory, manifest }: StoredVersion, options: VersionPartsOptions = {}): Promise<VersionParts> {
  if (manifest.layers) return readLayeredParts(directory, manifest, manifest.layers, options);
  const [sources, chunks, embedderModel, keywordPostings] = await Promise.all([
    options.sources ? readSourcesFile(directory, manifest, INDEX_FILES.sources, manifest.counts.sources) : Promise.resolve(undefined),
    readChunksFile(directory, manifest, INDEX_FILES.chunks, manifest.counts.chunks),
    readEmbedderModelFile(directory, manifest),
    readKeywordsFile(directory, manifest, INDEX_FILES.keywords, manifest.counts.chunks),
    verifyGraphFiles(directory, manifest, { withDocstore: options.withDocstore === true }),
  ]);
  return { ...(sources ? { sources } : {}), chunks, embedderModel, keywordPostings };
}

/**
 * A layered version's parts: its base files and its own, each checked against the manifest, put
 * together in the version's row order (see version-layers.ts), and the changes to its linked graph.
 */
async function readLayeredParts(directory: string, manifest: StoredManifest, layers: ManifestLayers, options: VersionPartsOptions): Promise<VersionParts> {
  const sizes = layerSizes(layers);
  const sourcePlaces = expandRuns(layers.sourceRuns, manifest.counts.sources, sizes.sources, directory);
  const chunkPlaces = expandRuns(layers.chunkRuns, manifest.counts.chunks, sizes.chunks, directory);
  const [baseSources, ownSources, baseChunks, ownChunks, embedderModel, baseKeywords, ownKeywords, addedVectors] = await Promise.all([
    options.sources ? readSourcesFile(directory, manifest, BASE_FILES.sources, sizes.sources[BASE_LAYER]) : Promise.resolve([]),
    options.sources ? readSourcesFile(directory, manifest, INDEX_FILES.sources, sizes.sources[OWN_LAYER]) : Promise.resolve([]),
    readChunksFile(directory, manifest, BASE_FILES.chunks, sizes.chunks[BASE_LAYER]),
    readChunksFile(directory, manifest, INDEX_FILES.chunks, sizes.chunks[OWN_LAYER]),
    readEmbedderModelFile(directory, manifest),
    readKeywordsFile(directory, manifest, BASE_FILES.keywords, sizes.chunks[BASE_LAYER]),
    readKeywordsFile(directory, manifest, INDEX_FILES.keywords, sizes.chunks[OWN_LAYER]),
    readAddedVectorsFile(directory, manifest, layers),
    verifyGraphFiles(directory, manifest, { withDocstore: options.withDocstore === true }),
  ]);
  const chunks = assembleRows(chunkPlaces, baseChunks, ownChunks);
  const keywordPostings = mergeLayerPostings(
    baseKeywords,
    layerRowMap(chunkPlaces, BASE_LAYER, sizes.chunks[BASE_LAYER]),
    ownKeywords,
    layerRowMap(chunkPlaces, OWN_LAYER, sizes.chunks[OWN_LAYER]),
    manifest.counts.chunks,
  );
  const rowOfLabel = new Map<number, number>();
  for (const { chunkRows, chunkLabels } of Object.values(manifest.sources))
    chunkLabels.forEach((label, position) => rowOfLabel.set(label, chunkRows[position]));
  const added: LabelledVector[] = layers.addedGraphLabels.map((label, position) => {
    const row = rowOfLabel.get(label);
    if (row === undefined || chunks[row] === undefined) throw indexFileCorrupt(directory, INDEX_FILES.manifest, `added graph label ${label} names no chunk`);
    return { label, chunk: chunks[row], vector: addedVectors[position] };
  });
  return {
    ...(options.sources ? { sources: assembleRows(sourcePlaces, baseSources, ownSources) } : {}),
    chunks,
    embedderModel,
    keywordPostings,
    graphChanges: { deletedLabels: layers.deletedGraphLabels, added },
  };
}

/** The stored vectors of `labels` in a version's graph (checked by readVersionParts first), to rebuild it without re-embedding. */
export async function readVersionVectors({ directory, manifest }: StoredVersion, labels: number[], pacer?: BuildPacer): Promise<Float32Array[]> {
  const layers = manifest.layers;
  const shards = manifest.hnsw.shards;
  const readGraphVectors = (wanted: number[]) =>
    shards
      ? readShardVectors(
          graphDirectory(directory),
          shards,
          manifest.hnsw.nextLabel,
          wanted,
          (problem) => indexFileCorrupt(directory, INDEX_FILES.manifest, problem),
          pacer,
        )
      : readOneGraphVectors(graphDirectory(directory), wanted, pacer);
  if (!layers) return readGraphVectors(labels);
  // A layered version's added chunks are not in its linked graph yet: their vectors are in vectors.bin.
  const addedVectors = await readAddedVectorsFile(directory, manifest, layers);
  const addedPosition = new Map(layers.addedGraphLabels.map((label, position) => [label, position]));
  const inGraph = labels.filter((label) => !addedPosition.has(label));
  const graphVectors = await readGraphVectors(inGraph);
  let next = 0;
  return labels.map((label) => {
    const position = addedPosition.get(label);
    return position === undefined ? graphVectors[next++] : addedVectors[position];
  });
}

/** Where a version keeps its HNSW graph. */
export function graphDirectory(directory: string): string {
  return path.join(directory, INDEX_FILES.hnsw);
}

/** True when vectors in `manifest`'s version were made by the configured embedder (same id, and same model for openai). */
export function embedderMatches(manifest: IndexManifest, config: EmbedderConfig): boolean {
  return manifest.embedder.id === configuredEmbedderId(config) && (config.kind !== "openai" || manifest.embedder.model === config.model);
}

/**
 * Reads and checks a version's manifest: an older format is INDEX_OUTDATED (rebuilt, not an error);
 * a missing, unparsable or altered manifest is INDEX_CORRUPT naming manifest.json.
 */
async function readManifest(directory: string): Promise<StoredManifest> {
  let parsed: unknown;
  let text: string;
  try {
    text = await readFile(path.join(directory, INDEX_FILES.manifest), "utf8");
    // The manifest this process wrote or checked last, byte for byte: checked already.
    const known = knownManifest(text);
    if (known) return known;
    parsed = JSON.parse(text);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    throw indexFileCorrupt(directory, INDEX_FILES.manifest, missing ? "it is missing" : `it cannot be read (${(error as Error).message})`, error);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw indexFileCorrupt(directory, INDEX_FILES.manifest, "it is not a JSON object");
  const formatVersion = (parsed as { formatVersion?: unknown }).formatVersion;
  if (formatVersion !== INDEX_FORMAT_VERSION) {
    throw new KnowledgeBotError(
      "INDEX_OUTDATED",
      `Index at ${directory} was built by another version of the bot (format ${String(formatVersion)}, this version reads ${INDEX_FORMAT_VERSION})`,
      "Run `kb reindex` to rebuild it from the knowledge folder (`npm start` does this by itself).",
    );
  }
  return checkManifestSeal(parsed as Record<string, unknown>, directory, text);
}

/** Embedders whose fitted state is saved with the index: without it queries embed differently. */
function embedderNeedsModel(manifest: IndexManifest): boolean {
  return manifest.embedder.id === LOCAL_EMBEDDER_ID;
}

/** A sources file of the version (`file`), holding the `count` sources the manifest counts in it. */
export async function readSourcesFile(directory: string, manifest: StoredManifest, file: string, count: number): Promise<SourceDoc[]> {
  const sources = parseVerifiedJson<SourceDoc[]>(directory, file, await readVerifiedFile(directory, manifest, file));
  if (!Array.isArray(sources) || sources.length !== count) throw indexFileCorrupt(directory, file, `it does not hold the ${count} sources the manifest counts`);
  return sources;
}

/** A chunks file of the version (`file`), holding the `count` chunks the manifest counts in it. */
export async function readChunksFile(directory: string, manifest: StoredManifest, file: string, count: number): Promise<Chunk[]> {
  const chunks = parseVerifiedJson<Chunk[]>(directory, file, await readVerifiedFile(directory, manifest, file));
  if (!Array.isArray(chunks) || chunks.length !== count) throw indexFileCorrupt(directory, file, `it does not hold the ${count} chunks the manifest counts`);
  return chunks;
}

/** The vectors of a layered version's added chunks, checked against the manifest and the labels it lists. */
export async function readAddedVectorsFile(directory: string, manifest: StoredManifest, layers: ManifestLayers): Promise<Float32Array[]> {
  const labels = layers.addedGraphLabels;
  const labelsInRange = (list: unknown) =>
    Array.isArray(list) && list.every((label) => Number.isSafeInteger(label) && label >= 0 && label < manifest.hnsw.nextLabel);
  if (!labelsInRange(labels) || !labelsInRange(layers.deletedGraphLabels))
    throw indexFileCorrupt(directory, INDEX_FILES.manifest, "its layers list graph labels out of range");
  if (labels.length === 0 && !fileRecord(manifest, ADDED_VECTORS_FILE)) return [];
  return decodeAddedVectors(await readVerifiedFile(directory, manifest, ADDED_VECTORS_FILE), labels.length, manifest.embedder.dimensions, directory);
}

/** The embedder's saved model; required (never silently replaced by an unfitted one) for the local embedder. */
export async function readEmbedderModelFile(directory: string, manifest: StoredManifest): Promise<Buffer | null> {
  if (!embedderNeedsModel(manifest) && !fileRecord(manifest, INDEX_FILES.embedderModel)) return null;
  return readVerifiedFile(directory, manifest, INDEX_FILES.embedderModel);
}

/** A keyword file of the version (`file`), holding postings of the `rows` chunks the manifest counts in it. */
export async function readKeywordsFile(directory: string, manifest: StoredManifest, file: string, rows: number): Promise<KeywordPostings> {
  const bytes = await readVerifiedFile(directory, manifest, file);
  let postings: KeywordPostings;
  try {
    postings = decodeKeywordPostings(bytes);
  } catch (error) {
    throw indexFileCorrupt(directory, file, (error as Error).message, error);
  }
  if (postings.titleLengths.length !== rows)
    throw indexFileCorrupt(directory, file, `it has ${postings.titleLengths.length} rows, the manifest counts ${rows} chunks`);
  return postings;
}

/** The folders (inside the version) holding the graph's files: `hnsw/`, or one per shard. */
export function graphFolders(manifest: IndexManifest): string[] {
  const shards = manifest.hnsw.shards;
  return Array.isArray(shards) ? shards.map((_, shard) => `${INDEX_FILES.hnsw}/${shardFolder(shard)}`) : [INDEX_FILES.hnsw];
}

/** Every graph file of a version (LangChain's HNSWLib layout in each graph folder), as a layered version links them. */
export function graphFileNames(manifest: IndexManifest): string[] {
  return graphFolders(manifest).flatMap((folder) => [`${folder}/hnswlib.index`, `${folder}/args.json`, `${folder}/docstore.json`]);
}

/**
 * Checks the HNSW graph files before any of them reaches hnswlib (native code that trusts its
 * input): checksums, then the dimensions in args.json and the graph header against the manifest,
 * for the one graph or for every shard. Serving reads only args.json and the graph; updating the
 * graph also reads LangChain's docstore.
 */
export async function verifyGraphFiles(directory: string, manifest: StoredManifest, { withDocstore = false, trustKnown = false } = {}): Promise<void> {
  const shards = manifest.hnsw.shards;
  if (shards === undefined) return verifyGraphFolder(directory, manifest, INDEX_FILES.hnsw, graphElements(manifest), { withDocstore, trustKnown });
  // The runs are checked (in range, each label in one shard) before any count taken from them is trusted.
  new ShardRouting(shards, manifest.hnsw.nextLabel, (problem) => indexFileCorrupt(directory, INDEX_FILES.manifest, problem));
  await Promise.all(
    graphFolders(manifest).map((folder, shard) => verifyGraphFolder(directory, manifest, folder, shardElements(shards[shard]), { withDocstore, trustKnown })),
  );
}

async function verifyGraphFolder(
  directory: string,
  manifest: StoredManifest,
  folder: string,
  elements: number,
  { withDocstore, trustKnown }: { withDocstore: boolean; trustKnown: boolean },
): Promise<void> {
  const [argsFile, indexFile, docstoreFile] = [`${folder}/args.json`, `${folder}/hnswlib.index`, `${folder}/docstore.json`];
  const [argsBytes] = await Promise.all([
    readVerifiedFile(directory, manifest, argsFile),
    verifyFileOnDisk(directory, manifest, indexFile, { trustKnown }),
    withDocstore ? verifyFileOnDisk(directory, manifest, docstoreFile, { trustKnown }) : Promise.resolve(),
  ]);
  const args = parseVerifiedJson<{ space?: unknown; numDimensions?: unknown }>(directory, argsFile, argsBytes);
  if (args?.space !== manifest.hnsw.space || args.numDimensions !== manifest.embedder.dimensions) {
    throw indexFileCorrupt(
      directory,
      argsFile,
      `it describes a ${String(args?.space)} graph of ${String(args?.numDimensions)} dimensions, the manifest ${manifest.hnsw.space} of ${manifest.embedder.dimensions}`,
    );
  }
  const problem = await checkHnswHeader(path.join(directory, indexFile), {
    elements,
    dimensions: manifest.embedder.dimensions,
    M: manifest.hnsw.M,
    efConstruction: manifest.hnsw.efConstruction,
  });
  if (problem) throw indexFileCorrupt(directory, indexFile, problem);
}

/** Elements in the version's graph file (all its shards'). */
export function graphElements(manifest: IndexManifest): number {
  if (Array.isArray(manifest.hnsw.shards)) return manifest.hnsw.shards.reduce((total, shard) => total + shardElements(shard), 0);
  const elements = manifest.hnsw.elements;
  return Number.isSafeInteger(elements) && elements! >= 0 && elements! <= manifest.hnsw.nextLabel ? elements! : manifest.hnsw.nextLabel;
}

/** Refuses an index whose embedder differs from the configured one: its vectors would be meaningless. */
export function checkEmbedderMatches(manifest: IndexManifest, config: EmbedderConfig): void {
  const wanted = configuredEmbedderId(config);
  if (!embedderMatches(manifest, config)) {
    throw new KnowledgeBotError(
      "INDEX_EMBEDDER_MISMATCH",
      `The index was built with embedder ${manifest.embedder.id} (model ${manifest.embedder.model}, ${manifest.embedder.dimensions} dimensions), but ${wanted}${config.model ? ` (model ${config.model})` : ""} is configured`,
      "Re-index with the configured embedder: `kb reindex --full` (or POST /api/reindex), or change EMBEDDER back.",
    );
  }
}
