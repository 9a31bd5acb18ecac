/**
 * A finished index version in memory: sources, chunks, the HNSW store, the keyword index and the
 * embedder that queries must use. Loading refuses an index built by a different embedder.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HNSWLib } from "@langchain/community/vectorstores/hnswlib";
import type { EmbedderConfig } from "../config.js";
import { KnowledgeBotError } from "../core/errors.js";
import type { Chunk, IndexStats, SourceDoc } from "../core/types.js";
import { configuredEmbedderId, createEmbedder } from "../embeddings/create-embedder.js";
import type { KnowledgeEmbeddings } from "../embeddings/knowledge-embeddings.js";
import { INDEX_FILES, readCurrentVersion, versionDirectory } from "./index-layout.js";
import { readKeywordFile } from "./keyword-file.js";
import { KeywordIndex } from "./keyword-index.js";
import { INDEX_FORMAT_VERSION, type IndexManifest } from "./manifest.js";
import { loadVectorStore } from "./vector-store.js";

export interface LoadedIndex {
  version: string;
  directory: string;
  manifest: IndexManifest;
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

export async function readManifest(directory: string): Promise<IndexManifest> {
  const manifest = JSON.parse(await readFile(path.join(directory, INDEX_FILES.manifest), "utf8")) as IndexManifest;
  if (manifest.formatVersion !== INDEX_FORMAT_VERSION) {
    throw new KnowledgeBotError(
      "INDEX_OUTDATED",
      `Index at ${directory} was built by another version of the bot (format ${manifest.formatVersion}, this version reads ${INDEX_FORMAT_VERSION})`,
      "Run `kb reindex` to rebuild it from the knowledge folder (`npm start` does this by itself).",
    );
  }
  return manifest;
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
    checkEmbedderMatches(manifest, embedderConfig);
    const [sourceList, chunks, embedderModel, keywordPostings] = await Promise.all([
      readFile(path.join(directory, INDEX_FILES.sources), "utf8").then((text) => JSON.parse(text) as SourceDoc[]),
      readFile(path.join(directory, INDEX_FILES.chunks), "utf8").then((text) => JSON.parse(text) as Chunk[]),
      readFile(path.join(directory, INDEX_FILES.embedderModel)).catch(() => null),
      readKeywordFile(path.join(directory, INDEX_FILES.keywords)),
    ]);
    if (keywordPostings.titleLengths.length !== chunks.length) throw new Error(`keyword index has ${keywordPostings.titleLengths.length} rows, chunks.json ${chunks.length}`);
    const embedder = createEmbedder(embedderConfig, { model: embedderModel, dimensions: manifest.embedder.dimensions });
    const vectorStore = await loadVectorStore(path.join(directory, INDEX_FILES.hnsw), embedder);
    const sources = new Map(sourceList.map((source) => [source.sourceId, source]));
    const chunkSources = chunks.map((chunk) => sources.get(chunk.sourceId)!);
    const keywordIndex = new KeywordIndex(keywordPostings);
    const rowByLabel = new Int32Array(manifest.hnsw.nextLabel).fill(-1);
    for (const { chunkRows, chunkLabels } of Object.values(manifest.sources)) chunkLabels.forEach((label, position) => (rowByLabel[label] = chunkRows[position]));
    return { version, directory, manifest, sources, chunks, chunkSources, rowByLabel, vectorStore, keywordIndex, embedder };
  } catch (error) {
    if (error instanceof KnowledgeBotError) throw error;
    throw new KnowledgeBotError("INDEX_CORRUPT", `Index version ${version} in ${indexDir} cannot be read: ${(error as Error).message}`, "Rebuild it with `kb reindex --full`.", { cause: error });
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
