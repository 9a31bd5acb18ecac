/**
 * A finished index version in memory: sources, chunks, the HNSW store, the keyword index and the
 * embedder that queries must use. Loading refuses an index built by a different embedder, and an
 * index with any file that does not match the manifest's record of it (INDEX_CORRUPT naming the
 * file), before a byte of it is parsed or handed to hnswlib.
 */
import { KnowledgeBotError } from "../core/errors.js";
import type { Chunk, IndexStats, SourceDoc } from "../core/types.js";
import { createEmbedder, type EmbedderConfig } from "../embeddings/create-embedder.js";
import type { KnowledgeEmbeddings } from "../embeddings/knowledge-embeddings.js";
import { INDEX_FILES } from "./index-layout.js";
import { KeywordIndex } from "./keyword-index.js";
import type { StoredManifest } from "./manifest.js";
import { synonymIndex, type SynonymIndex } from "../text/synonyms.js";
import { declaredAliases } from "../text/declared-aliases.js";
import { loadVectorStore } from "./vector-store.js";
import { loadGraphShards } from "./graph-shard-files.js";
import type { DenseGraph } from "./sharded-graph-index.js";
import { indexFileCorrupt, REBUILD_HINT } from "./version-files.js";
import { checkEmbedderMatches, graphDirectory, readServingVersion, readVersionParts } from "./version-reader.js";

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
  /** The HNSW graph (LangChain's HNSWLib), or the shards of a sharded one behind the same search. */
  vectorStore: DenseGraph;
  keywordIndex: KeywordIndex;
  embedder: KnowledgeEmbeddings;
  /** The shipped synonym groups with the admin's, as this version was built with. */
  synonyms: SynonymIndex;
}

export async function loadIndex(indexDir: string, embedderConfig: EmbedderConfig): Promise<LoadedIndex> {
  let version = "named by CURRENT";
  try {
    const stored = await readServingVersion(indexDir);
    if (!stored) {
      throw new KnowledgeBotError("INDEX_MISSING", `No index in ${indexDir}`, "Build it with `kb reindex` (npm start builds it on first start).");
    }
    version = stored.version;
    const { directory, manifest } = stored;
    checkEmbedderMatches(manifest, embedderConfig);
    // Every file is checked against the manifest before it is parsed or reaches hnswlib.
    const { sources: sourceList = [], chunks, embedderModel, keywordPostings, graphChanges } = await readVersionParts(stored, { sources: true });
    let embedder: KnowledgeEmbeddings;
    try {
      embedder = createEmbedder(embedderConfig, { model: embedderModel, dimensions: manifest.embedder.dimensions });
    } catch (error) {
      throw indexFileCorrupt(directory, INDEX_FILES.embedderModel, (error as Error).message, error);
    }
    const shards = manifest.hnsw.shards;
    const vectorStore: DenseGraph = shards
      ? await loadGraphShards(graphDirectory(directory), shards, manifest.hnsw.nextLabel, graphChanges, (problem) =>
          indexFileCorrupt(directory, INDEX_FILES.manifest, problem),
        )
      : await loadVectorStore(graphDirectory(directory), embedder, graphChanges);
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
    // Names the folder declares for one thing (长期护理保险（简称长护险）) count as synonyms too.
    const synonyms = synonymIndex([...(manifest.synonyms ?? []), ...declaredAliases(chunks.map((chunk) => chunk.text))]);
    return { version, directory, manifest, sources, chunks, chunkSources, rowByLabel, vectorStore, keywordIndex, embedder, synonyms };
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
