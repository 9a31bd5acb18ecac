/**
 * An incremental re-index that writes only what changed. The new version links the base (the rows
 * of the last full or compacted build: sources, chunks, keyword postings and the graph) from the
 * serving version unchanged, and writes as its own rows only the sources changed or added since
 * that build, with their postings and the vectors the graph does not hold yet (store/version-layers.ts).
 * One changed row of a 7,000-row table then writes kilobytes instead of rewriting ~28 MB.
 *
 * The own rows grow with every such re-index, and a reader puts them together with the base on
 * every load; once they pass ownRowsMax (or the graph would hold too many deleted labels) the
 * re-index compacts instead: it writes every file again, as an incremental re-index did before.
 */
import type { BuildPacer } from "../core/build-pacer.js";
import type { Chunk, ReindexProgress, SourceDoc } from "../core/types.js";
import type { KnowledgeEmbeddings } from "../embeddings/knowledge-embeddings.js";
import { type KeywordAddition, updateKeywordPostingsPaced } from "../store/keyword-postings.js";
import type { IndexManifest } from "../store/manifest.js";
import { BASE_LAYER, OWN_LAYER, toRuns } from "../store/version-layers.js";
import { type CarriedFile, graphUpdatable, writeVersion } from "../store/version-writer.js";
import { fileRecord } from "../store/version-files.js";
import { keywordDocument } from "../text/keyword-terms.js";
import { chunkSource, DEFAULT_CHUNK_OPTIONS } from "./chunk-text.js";
import { embeddingText } from "./embedding-text.js";
import { type LayeredPrevious, linkedFileNames } from "./layered-previous.js";
import type { BuildStep } from "./step-times.js";

/**
 * Own rows a layered version may hold: 2 % of its chunks, at least 128 and at most 1,024. Loading
 * inserts each own chunk into the linked graph: measured on medqa at load average 6, a version
 * with 362 own rows loaded in 1.0–1.3 s against 0.6–0.8 s with one (about 1 ms a row), while a
 * compacting re-index costs about a second once. At this bound a load takes at most ~0.15 s longer
 * for medqa, and a compaction comes once every 145 changed chunks.
 */
export function ownRowsMax(chunks: number): number {
  return Math.min(1024, Math.max(128, Math.floor(chunks * 0.02)));
}

/** Share of deleted labels in a graph above which a re-index rebuilds it (build-index.ts uses the same rule). */
export const MAX_DELETED_SHARE = 0.25;

export interface LayeredBuild {
  indexDir: string;
  previous: LayeredPrevious;
  /** The folder's sources, in order. */
  sources: SourceDoc[];
  /** Sources whose content hash is unchanged since the previous version. */
  reusable: Set<string>;
  /** Chunks of each source that is not reusable (empty for the reusable ones), by position in `sources`. */
  freshChunks: Chunk[][];
  /** Sources of the previous version that are removed or changed. */
  goneSourceIds: string[];
  embedder: KnowledgeEmbeddings;
  embedBatch: number;
  synonyms: string[][];
  parsedFiles: { name: string; contents: string }[];
  /** Kept parses and the embedder model, linked as they are. */
  carriedFiles: CarriedFile[];
  pacer: BuildPacer;
  onStep: (step: BuildStep) => void;
  onProgress?: (progress: ReindexProgress) => void;
}

/** A new own row: a chunk of a changed or added source (embedded), or one of a moved source (keeping its vector). */
interface OwnAddition {
  ownRow: number;
  source: SourceDoc;
  chunk: Chunk;
  embed: boolean;
}

/**
 * Writes a layered version and returns its name and the chunks embedded, or null when the change
 * is better written in full (own rows past OWN_ROWS_MAX, too many deleted labels, graph parameters
 * changed): the caller then compacts.
 */
export async function buildLayeredVersion(input: LayeredBuild): Promise<{ version: string; chunks: number; embeddedChunks: number } | null> {
  const { previous, pacer } = input;
  const manifest = previous.manifest;
  if (!graphUpdatable(manifest)) return null;
  const deletedTotal = manifest.hnsw.deletedLabels + input.goneSourceIds.reduce((total, sourceId) => total + manifest.sources[sourceId].chunkLabels.length, 0);

  const sourcePlaces = { layer: new Uint8Array(input.sources.length), row: new Int32Array(input.sources.length) };
  const ownSources: SourceDoc[] = [];
  const chunkLayers: number[] = [];
  const chunkRows: number[] = [];
  /** Graph label of each chunk row: its own for a chunk already indexed, the next free one for a new chunk. */
  const labels: number[] = [];
  /** Rows of new chunks, whose vectors are embedded. */
  const freshRows = new Set<number>();
  let nextLabel = manifest.hnsw.nextLabel;
  const ownChunks: Chunk[] = [];
  const additions: OwnAddition[] = [];
  const previousOwnToOwn = new Int32Array(previous.ownChunks.length).fill(-1);
  const manifestSources: IndexManifest["sources"] = {};
  const placeChunk = (layer: number, row: number, label: number) => {
    chunkLayers.push(layer);
    chunkRows.push(row);
    if (label === -1) freshRows.add(labels.length);
    labels.push(label === -1 ? nextLabel++ : label);
    return chunkRows.length - 1;
  };
  for (const [position, source] of input.sources.entries()) {
    const entry = input.reusable.has(source.sourceId) ? manifest.sources[source.sourceId] : undefined;
    const previousLayers = entry?.chunkRows.map((row) => previous.chunkPlaces.layer[row]) ?? [];
    const previousPlace = entry ? previous.sourcePlaces.get(source.sourceId) : undefined;
    const rows: number[] = [];
    if (entry && previousPlace?.layer === BASE_LAYER && previousLayers.every((layer) => layer === BASE_LAYER) && entry.file === source.file) {
      // Unchanged since the base: the base's rows, linked as they are (a base row is kept only with the same content and file).
      sourcePlaces.layer[position] = BASE_LAYER;
      sourcePlaces.row[position] = previousPlace.row;
      entry.chunkRows.forEach((row, index) => rows.push(placeChunk(BASE_LAYER, previous.chunkPlaces.row[row], entry.chunkLabels[index])));
    } else {
      sourcePlaces.layer[position] = OWN_LAYER;
      sourcePlaces.row[position] = ownSources.length;
      ownSources.push(source);
      if (entry && entry.chunkRows.length > 0 && previousLayers.every((layer) => layer === OWN_LAYER)) {
        // Unchanged since the previous version, which holds it as its own: its chunks and postings move along.
        entry.chunkRows.forEach((row, index) => {
          previousOwnToOwn[previous.chunkPlaces.row[row]] = ownChunks.length;
          ownChunks.push(previous.ownChunks[previous.chunkPlaces.row[row]]);
          rows.push(placeChunk(OWN_LAYER, ownChunks.length - 1, entry.chunkLabels[index]));
        });
      } else {
        // Changed or added (embedded), or unchanged but now in another file (its vector is kept; chunking is deterministic).
        const chunks = entry ? chunkSource(source, DEFAULT_CHUNK_OPTIONS) : input.freshChunks[position];
        if (entry && chunks.length !== entry.chunkRows.length) return null;
        chunks.forEach((chunk, index) => {
          additions.push({ ownRow: ownChunks.length, source, chunk, embed: !entry });
          ownChunks.push(chunk);
          rows.push(placeChunk(OWN_LAYER, ownChunks.length - 1, entry ? entry.chunkLabels[index] : -1));
        });
      }
    }
    manifestSources[source.sourceId] = { contentHash: source.contentHash, file: source.file, chunkRows: rows, chunkLabels: rows.map((row) => labels[row]) };
    if (pacer.due()) await pacer.pause();
  }
  const chunkCount = labels.length;
  if (ownChunks.length > ownRowsMax(chunkCount) || deletedTotal > MAX_DELETED_SHARE * Math.max(chunkCount, 1)) return null;

  // The linked graph hides what is gone (the labels it holds) and is given, on load, every chunk it does not hold.
  const keptLabels = new Set(labels);
  const deletedGraphLabels = [...previous.deletedGraphLabels];
  for (const sourceId of input.goneSourceIds)
    for (const label of manifest.sources[sourceId].chunkLabels) if (!keptLabels.has(label) && !previous.addedVectors.has(label)) deletedGraphLabels.push(label);

  input.onStep("embedding");
  const toEmbed = additions.filter((addition) => addition.embed);
  const freshVectors = new Map<number, Float32Array>();
  for (let start = 0; start < toEmbed.length; start += input.embedBatch) {
    const batch = toEmbed.slice(start, start + input.embedBatch);
    const vectors = await input.embedder.embedDocuments(batch.map(({ source, chunk }) => embeddingText(source, chunk)));
    batch.forEach((addition, index) => freshVectors.set(addition.ownRow, Float32Array.from(vectors[index])));
    input.onProgress?.({ phase: "embedding", step: "embedding", done: Math.min(start + input.embedBatch, toEmbed.length), total: toEmbed.length });
    await pacer.pause();
  }
  const addedGraphLabels: number[] = [];
  const addedVectors: Float32Array[] = [];
  for (let row = 0; row < chunkCount; row++) {
    const label = labels[row];
    const vector = freshRows.has(row) ? freshVectors.get(chunkRows[row]) : previous.addedVectors.get(label);
    if (!vector) continue;
    addedGraphLabels.push(label);
    addedVectors.push(vector);
  }

  input.onStep("keywords");
  const ownKeywords = await updateKeywordPostingsPaced(
    previous.ownKeywords,
    previousOwnToOwn,
    (function* (): Generator<KeywordAddition> {
      for (const { ownRow, source, chunk } of additions) yield { row: ownRow, document: keywordDocument(source, chunk) };
    })(),
    pacer,
  );

  const descriptor = input.embedder.describe();
  const linked: CarriedFile[] = linkedFileNames(previous).map(({ name, fromName }) => {
    const record = fileRecord(manifest, fromName);
    if (!record) throw new Error(`the previous version lists no ${fromName}`);
    return { name, fromName, from: previous.directory, record };
  });
  const version = await writeVersion(input.indexDir, {
    embedder: input.embedder,
    manifest: {
      embedder: { ...descriptor, dimensions: descriptor.dimensions || manifest.embedder.dimensions },
      chunkOptions: DEFAULT_CHUNK_OPTIONS,
      counts: { sources: input.sources.length, chunks: chunkCount },
      sources: manifestSources,
      synonyms: input.synonyms,
      layers: {
        base: previous.baseSize,
        sourceRuns: toRuns(sourcePlaces),
        chunkRuns: toRuns({ layer: Uint8Array.from(chunkLayers), row: Int32Array.from(chunkRows) }),
        deletedGraphLabels,
        addedGraphLabels,
      },
    },
    graph: { kind: "layered", addedVectors },
    // A sharded graph is linked shard for shard, with the labels each holds.
    graphLabels: {
      nextLabel,
      deletedLabels: deletedTotal,
      elements: previous.graphElements,
      ...(manifest.hnsw.shards ? { shards: manifest.hnsw.shards } : {}),
    },
    sources: ownSources,
    chunks: ownChunks,
    keywordPostings: ownKeywords,
    parsedFiles: input.parsedFiles,
    carriedFiles: [...input.carriedFiles, ...linked],
    pacer,
    onStep: input.onStep,
  });
  return { version, chunks: chunkCount, embeddedChunks: toEmbed.length };
}
