/**
 * A finished index version in memory: sources, chunks, the HNSW store, the keyword index and the
 * embedder that queries must use. Loading refuses an index built by a different embedder, and an
 * index with any file that does not match the manifest's record of it (INDEX_CORRUPT naming the
 * file), before a byte of it is parsed or handed to hnswlib.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { EmbedderConfig } from "../config.js";
import { KnowledgeBotError } from "../core/errors.js";
import type { Chunk, IndexStats, SourceDoc } from "../core/types.js";
import { configuredEmbedderId, createEmbedder } from "../embeddings/create-embedder.js";
import type { KnowledgeEmbeddings } from "../embeddings/knowledge-embeddings.js";
import { LOCAL_EMBEDDER_ID } from "../embeddings/local-embeddings.js";
import { checkHnswHeader } from "./hnsw-header.js";
import { INDEX_FILES, readCurrentVersion, versionDirectory } from "./index-layout.js";
import { decodeKeywordPostings } from "./keyword-file.js";
import { KeywordIndex } from "./keyword-index.js";
import type { KeywordPostings } from "./keyword-postings.js";
import { INDEX_FORMAT_VERSION, type IndexManifest, type StoredManifest } from "./manifest.js";
import { loadVectorStore } from "./vector-store.js";
import { checkManifestSeal, fileRecord, indexFileCorrupt, parseVerifiedJson, readVerifiedFile, REBUILD_HINT, verifyFileOnDisk } from "./version-files.js";

export interface LoadedIndex {
  version: string;
  directory: string;
  manifest: StoredManifest;
  sources: Map<string, SourceDoc>;
  chunks: Chunk[];
  /** Each chunk's source, by chunk row. */
  chunkSources: SourceDoc[];
  /** Chunk row by HNSW graph label (-1 for a deleted label), to map graph search results back to chunks. */
  rowByLabel: Int32Array;
  vectorStore: HNSWLib;
  keywordIndex: KeywordIndex;
  embedder: KnowledgeEmbeddings;
}

/**
 * Reads and checks a version's manifest: an older format is INDEX_OUTDATED (rebuilt, not an error);
 * a missing, unparsable or altered manifest is INDEX_CORRUPT naming manifest.json.
 */
export async function readManifest(directory: string): Promise<StoredManifest> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path.join(directory, INDEX_FILES.manifest), "utf8"));
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
  return checkManifestSeal(parsed as Record<string, unknown>, directory);
}

/** Embedders whose fitted state is saved with the index: without it queries embed differently. */
function embedderNeedsModel(manifest: IndexManifest): boolean {
  return manifest.embedder.id === LOCAL_EMBEDDER_ID;
}

export async function readSourcesFile(directory: string, manifest: StoredManifest): Promise<SourceDoc[]> {
  const sources = parseVerifiedJson<SourceDoc[]>(directory, INDEX_FILES.sources, await readVerifiedFile(directory, manifest, INDEX_FILES.sources));
  if (!Array.isArray(sources) || sources.length !== manifest.counts.sources)
    throw indexFileCorrupt(directory, INDEX_FILES.sources, `it does not hold the ${manifest.counts.sources} sources the manifest counts`);
  return sources;
}

export async function readChunksFile(directory: string, manifest: StoredManifest): Promise<Chunk[]> {
  const chunks = parseVerifiedJson<Chunk[]>(directory, INDEX_FILES.chunks, await readVerifiedFile(directory, manifest, INDEX_FILES.chunks));
  if (!Array.isArray(chunks) || chunks.length !== manifest.counts.chunks)
    throw indexFileCorrupt(directory, INDEX_FILES.chunks, `it does not hold the ${manifest.counts.chunks} chunks the manifest counts`);
  return chunks;
}

/** The embedder's saved model; required (never silently replaced by an unfitted one) for the local embedder. */
export async function readEmbedderModelFile(directory: string, manifest: StoredManifest): Promise<Buffer | null> {
  if (!embedderNeedsModel(manifest) && !fileRecord(manifest, INDEX_FILES.embedderModel)) return null;
  return readVerifiedFile(directory, manifest, INDEX_FILES.embedderModel);
}

export async function readKeywordsFile(directory: string, manifest: StoredManifest): Promise<KeywordPostings> {
  const bytes = await readVerifiedFile(directory, manifest, INDEX_FILES.keywords);
  let postings: KeywordPostings;
  try {
    postings = decodeKeywordPostings(bytes);
  } catch (error) {
    throw indexFileCorrupt(directory, INDEX_FILES.keywords, (error as Error).message, error);
  }
  if (postings.titleLengths.length !== manifest.counts.chunks)
    throw indexFileCorrupt(
      directory,
      INDEX_FILES.keywords,
      `it has ${postings.titleLengths.length} rows, the manifest counts ${manifest.counts.chunks} chunks`,
    );
  return postings;
}

const GRAPH_ARGS = `${INDEX_FILES.hnsw}/args.json`;
const GRAPH_INDEX = `${INDEX_FILES.hnsw}/hnswlib.index`;
const GRAPH_DOCSTORE = `${INDEX_FILES.hnsw}/docstore.json`;

/**
 * Checks the HNSW graph files before any of them reaches hnswlib (native code that trusts its
 * input): checksums, then the dimensions in args.json and the graph header against the manifest.
 * Serving reads only args.json and the graph; updating the graph also reads LangChain's docstore.
 */
export async function verifyGraphFiles(directory: string, manifest: StoredManifest, { withDocstore = false } = {}): Promise<void> {
  const [argsBytes] = await Promise.all([
    readVerifiedFile(directory, manifest, GRAPH_ARGS),
    verifyFileOnDisk(directory, manifest, GRAPH_INDEX),
    withDocstore ? verifyFileOnDisk(directory, manifest, GRAPH_DOCSTORE) : Promise.resolve(),
  ]);
  const args = parseVerifiedJson<{ space?: unknown; numDimensions?: unknown }>(directory, GRAPH_ARGS, argsBytes);
  if (args?.space !== manifest.hnsw.space || args.numDimensions !== manifest.embedder.dimensions) {
    throw indexFileCorrupt(
      directory,
      GRAPH_ARGS,
      `it describes a ${String(args?.space)} graph of ${String(args?.numDimensions)} dimensions, the manifest ${manifest.hnsw.space} of ${manifest.embedder.dimensions}`,
    );
  }
  const problem = await checkHnswHeader(path.join(directory, GRAPH_INDEX), {
    elements: manifest.hnsw.nextLabel,
    dimensions: manifest.embedder.dimensions,
    M: manifest.hnsw.M,
    efConstruction: manifest.hnsw.efConstruction,
  });
  if (problem) throw indexFileCorrupt(directory, GRAPH_INDEX, problem);
}

/** Checks every file the manifest lists, for a reader that may open any of them (the graph update). */
export async function verifyVersionFiles(directory: string, manifest: StoredManifest): Promise<void> {
  await Promise.all(manifest.files.map((record) => verifyFileOnDisk(directory, manifest, record.path)));
}

/** Refuses an index whose embedder differs from the configured one: its vectors would be meaningless. */
export function checkEmbedderMatches(manifest: IndexManifest, config: EmbedderConfig): void {
  const wanted = configuredEmbedderId(config);
  const modelDiffers = config.kind === "openai" && manifest.embedder.model !== config.model;
  if (manifest.embedder.id !== wanted || modelDiffers) {
    throw new KnowledgeBotError(
      "INDEX_EMBEDDER_MISMATCH",
      `The index was built with embedder ${manifest.embedder.id} (model ${manifest.embedder.model}, ${manifest.embedder.dimensions} dimensions), but ${wanted}${config.model ? ` (model ${config.model})` : ""} is configured`,
      "Re-index with the configured embedder: `kb reindex --full` (or POST /api/reindex), or change EMBEDDER back.",
    );
  }
}

export async function loadIndex(indexDir: string, embedderConfig: EmbedderConfig): Promise<LoadedIndex> {
  const version = await readCurrentVersion(indexDir);
  if (!version) {
    throw new KnowledgeBotError("INDEX_MISSING", `No index in ${indexDir}`, "Build it with `kb reindex` (npm start builds it on first start).");
  }
  const directory = versionDirectory(indexDir, version);
  try {
    const manifest = await readManifest(directory);
    if (manifest.version !== version)
      throw indexFileCorrupt(directory, INDEX_FILES.manifest, `it describes version ${JSON.stringify(manifest.version)}, not ${version}`);
    checkEmbedderMatches(manifest, embedderConfig);
    // Every file is checked against the manifest before it is parsed or reaches hnswlib.
    const [sourceList, chunks, embedderModel, keywordPostings] = await Promise.all([
      readSourcesFile(directory, manifest),
      readChunksFile(directory, manifest),
      readEmbedderModelFile(directory, manifest),
      readKeywordsFile(directory, manifest),
      verifyGraphFiles(directory, manifest),
    ]);
    let embedder: KnowledgeEmbeddings;
    try {
      embedder = createEmbedder(embedderConfig, { model: embedderModel, dimensions: manifest.embedder.dimensions });
    } catch (error) {
      throw indexFileCorrupt(directory, INDEX_FILES.embedderModel, (error as Error).message, error);
    }
    const vectorStore = await loadVectorStore(path.join(directory, INDEX_FILES.hnsw), embedder);
    const sources = new Map(sourceList.map((source) => [source.sourceId, source]));
    const chunkSources = chunks.map((chunk) => {
      const source = sources.get(chunk?.sourceId);
      if (!source)
        throw indexFileCorrupt(directory, INDEX_FILES.chunks, `a chunk names source ${JSON.stringify(chunk?.sourceId)}, which sources.json does not hold`);
      return source;
    });
    const keywordIndex = new KeywordIndex(keywordPostings);
    const rowByLabel = new Int32Array(manifest.hnsw.nextLabel).fill(-1);
    for (const { chunkRows, chunkLabels } of Object.values(manifest.sources)) {
      chunkLabels.forEach((label, position) => {
        const row = chunkRows[position];
        // Out-of-range numbers would point searches at chunks that do not exist.
        if (!(label >= 0 && label < rowByLabel.length && row >= 0 && row < chunks.length))
          throw indexFileCorrupt(directory, INDEX_FILES.manifest, `graph label ${label} or chunk row ${row} is out of range`);
        rowByLabel[label] = row;
      });
    }
    return { version, directory, manifest, sources, chunks, chunkSources, rowByLabel, vectorStore, keywordIndex, embedder };
  } catch (error) {
    if (error instanceof KnowledgeBotError) throw error;
    throw new KnowledgeBotError("INDEX_CORRUPT", `Index version ${version} in ${indexDir} cannot be read: ${(error as Error).message}`, REBUILD_HINT, {
      cause: error,
    });
  }
}

export function indexStats(index: LoadedIndex): IndexStats {
  return {
    version: index.version,
    builtAt: index.manifest.builtAt,
    sources: index.manifest.counts.sources,
    chunks: index.manifest.counts.chunks,
    embedder: { ...index.manifest.embedder },
  };
}
