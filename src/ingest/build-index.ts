/**
 * `kb reindex`: load the knowledge folder, diff it against the serving index by content hash,
 * embed only what changed, and publish a complete new version beside the old one. The old version
 * stays usable until CURRENT is switched, so a crash mid-way loses nothing.
 */
import type { Chunk, ReindexProgress, ReindexSummary, SourceDoc } from "../core/types.js";
import { createEmbedder, type EmbedderConfig } from "../embeddings/create-embedder.js";
import { buildKeywordPostingsFromIdsPaced, type KeywordAddition, type KeywordPostings, updateKeywordPostingsPaced } from "../store/keyword-postings.js";
import type { IndexManifest } from "../store/manifest.js";
import { embedderMatches, readServingVersion, readVersionParts, readVersionVectors, type StoredVersion } from "../store/version-reader.js";
import { type CarriedFile, type GraphWrite, graphUpdatable, withIndexWriting, writeVersion } from "../store/version-writer.js";
import { INDEX_FILES } from "../store/index-layout.js";
import { fileRecord } from "../store/version-files.js";
import { keywordDocument } from "../text/keyword-terms.js";
import { BuildPacer, NEVER_DUE, runSteps } from "../core/build-pacer.js";
import { chunkSource, DEFAULT_CHUNK_OPTIONS } from "./chunk-text.js";
import { embeddingText } from "./embedding-text.js";
import { segmentChunksOnTwoThreads, SegmentThread } from "./segment-thread.js";
import { LocalEmbeddings, TermIdCache } from "../embeddings/local-embeddings.js";
import { readSynonyms } from "./read-synonyms.js";
import { loadKnowledge } from "./load-knowledge.js";
import { ParseCache } from "./parse-cache.js";
import { assertChunkCountWithinLimit } from "./chunk-limit.js";
import { DEFAULT_INDEX_LIMITS, type IndexLimits } from "./index-limits.js";
import type { SourceProblem } from "./source-problem.js";
import { failingIndexedFiles, keepStaleSources } from "./stale-sources.js";
import { type BuildStep, StepTimes } from "./step-times.js";
import { readLayeredPrevious } from "./layered-previous.js";
import { storedEmbedder } from "./stored-embedder.js";
import { buildLayeredVersion, MAX_DELETED_SHARE } from "./layered-update.js";
import type { GraphChanges } from "../store/vector-store.js";
import { DEFAULT_GRAPH_SHARDING, type GraphSharding, shardCountFor } from "../store/graph-shards.js";

export type { ReindexProgress } from "../core/types.js";

export interface BuildIndexOptions {
  knowledgeDir: string;
  indexDir: string;
  embedder: EmbedderConfig;
  full?: boolean;
  dryRun?: boolean;
  onProgress?: (progress: ReindexProgress) => void;
  /** Bounds on files, chunks and waiting; each missing one takes its default. */
  limits?: Partial<IndexLimits>;
  /**
   * From how many chunks a new graph is sharded, and into how many shards (default
   * DEFAULT_GRAPH_SHARDING: 20,000 chunks, one shard per core up to four).
   */
  graphSharding?: Partial<GraphSharding>;
  /**
   * Stops the build (REINDEX_INTERRUPTED): it is checked every ~50 ms of work, the staging folder
   * is removed and CURRENT is left as it was.
   */
  signal?: AbortSignal;
}

export interface BuildIndexResult {
  summary: ReindexSummary;
  problems: SourceProblem[];
  /** Knowledge files handed to a parser by this build, and documents whose earlier parse was reused. */
  files: { parsed: string[]; reused: string[] };
  /** Wall milliseconds of each step of this build (for benchmarks and logs). */
  stepMs: Partial<Record<BuildStep, number>>;
}

const EMBED_BATCH = 256;

/** What a compacting incremental re-index reuses from the serving version. */
interface PreviousIndex extends StoredVersion {
  chunks: Chunk[];
  embedderModel: Buffer | null;
  keywordPostings: KeywordPostings;
  graphChanges?: GraphChanges;
}

export async function buildIndex(options: BuildIndexOptions): Promise<BuildIndexResult> {
  const started = performance.now();
  const limits: IndexLimits = { ...DEFAULT_INDEX_LIMITS, ...options.limits };
  const steps = new StepTimes();
  /** A full re-index's second segmenting thread, ended however the build ends. */
  let segmentThread: SegmentThread | null = null;
  // Every long loop below pauses through `pacer` (a turn of the event loop every ~50 ms, so the lock
  // is renewed, questions are answered and signals are seen) and stops there once it is aborted.
  const run = async (pacer: BuildPacer): Promise<BuildIndexResult> => {
    pacer.throwIfAborted();
    options.onProgress?.({ phase: "loading", step: "reading", done: 0, total: 1 });
    steps.start("reading");
    const servingVersion = await readServingVersionOrNull(options.indexDir);
    // Documents whose bytes are unchanged take the serving version's parse; `--full` parses everything again.
    const parseCache = new ParseCache(options.full === true ? null : servingVersion, limits);
    const previousVersion = servingVersion && vectorsReusable(servingVersion, options.embedder) ? servingVersion : null;
    const loaded = await loadKnowledge(options.knowledgeDir, limits, pacer, parseCache, (done, total) =>
      options.onProgress?.({ phase: "loading", step: "reading", done, total }),
    );
    const synonyms = await readSynonyms(options.knowledgeDir);
    loaded.problems.push(...synonyms.problems);
    steps.start("previous");
    const loadedFiles = loaded.files ?? { parsed: [], reused: [] };
    const staleFiles = failingIndexedFiles(loaded, previousVersion?.manifest);
    const knowledge = staleFiles.size > 0 ? keepStaleSources(loaded, staleFiles, await readPreviousSources(previousVersion!)) : loaded;
    // `--full` reuses nothing, so only the manifest is read (for the summary's diff). The parts are
    // read after the folder is loaded, not meanwhile: the parse thread hands its batches over only
    // when this thread asks for them, so keeping this thread busy then stalls it. An incremental
    // re-index checks every file it may reuse but reads only what a layered version needs; the
    // whole previous index is read only when this re-index compacts (see layered-update.ts).
    const layeredPrevious = previousVersion && options.full !== true ? await readLayeredPrevious(previousVersion) : null;
    let previous: PreviousIndex | null = null;
    const full = options.full === true || layeredPrevious === null;
    const diff = await pacer.drive(diffSteps(knowledge.sources, (options.full === true ? previousVersion : layeredPrevious)?.manifest, pacer.due));
    const errors = knowledge.problems
      .filter((problem) => problem.severity === "error")
      .map(({ file, line, code, message }) => ({ file, ...(line ? { line } : {}), code, message }));
    const summaryBase = {
      added: diff.added,
      changed: diff.changed,
      removed: diff.removed,
      unchanged: diff.unchanged.length,
      sources: knowledge.sources.length,
      errors,
      // The same list `kb reindex` prints, so POST /api/reindex shows the warnings too.
      problems: knowledge.problems,
      dryRun: options.dryRun === true,
      full,
    };
    if (options.dryRun) {
      steps.stop();
      return {
        summary: { ...summaryBase, version: layeredPrevious?.manifest.version ?? null, chunks: 0, embeddedChunks: 0, durationMs: performance.now() - started },
        problems: knowledge.problems,
        files: loadedFiles,
        stepMs: steps.milliseconds,
      };
    }

    const sameSynonyms = JSON.stringify(layeredPrevious?.manifest.synonyms ?? []) === JSON.stringify(synonyms.groups);
    const nothingChanged = !full && sameSynonyms && diff.added.length === 0 && diff.changed.length === 0 && diff.removed.length === 0;
    if (nothingChanged) {
      // Keep serving the same version: a re-index that changes nothing writes nothing.
      steps.stop();
      return {
        summary: {
          ...summaryBase,
          version: layeredPrevious!.manifest.version,
          chunks: layeredPrevious!.manifest.counts.chunks,
          embeddedChunks: 0,
          durationMs: performance.now() - started,
        },
        problems: knowledge.problems,
        files: loadedFiles,
        stepMs: steps.milliseconds,
      };
    }
    const embedder = full
      ? createEmbedder(options.embedder, undefined)
      : storedEmbedder(options.embedder, {
          model: layeredPrevious!.embedderModel,
          dimensions: layeredPrevious!.manifest.embedder.dimensions,
          modelSha256: fileRecord(layeredPrevious!.manifest, INDEX_FILES.embedderModel)?.sha256,
        });
    const reusable: Set<string> = full ? new Set<string>() : new Set(diff.unchanged);
    // Only new and changed sources are chunked again; a full re-index chunks everything to fit the
    // embedder, and starts its second segmenting thread now so that it is ready when chunking ends.
    steps.start("chunking");
    if (full) segmentThread = new SegmentThread();
    await pacer.pause();
    const chunksBySource: Chunk[][] = [];
    for (const source of knowledge.sources) {
      chunksBySource.push(reusable.has(source.sourceId) ? [] : chunkSource(source, DEFAULT_CHUNK_OPTIONS));
      if (pacer.due()) await pacer.pause();
    }
    // Counted before fitting or embedding: a too-large build is refused before it costs anything.
    assertChunkCountWithinLimit(
      knowledge.sources.reduce(
        (total, source, index) =>
          total + (reusable.has(source.sourceId) ? layeredPrevious!.manifest.sources[source.sourceId].chunkRows.length : chunksBySource[index].length),
        0,
      ),
      limits.maxChunks,
    );
    const onStep = (step: BuildStep) => {
      steps.start(step);
      // Embedding reports its own progress, batch by batch.
      if (step !== "embedding") options.onProgress?.({ phase: "writing", step, done: 0, total: 1 });
    };
    if (!full) {
      const layered = await buildLayeredVersion({
        indexDir: options.indexDir,
        previous: layeredPrevious!,
        sources: knowledge.sources,
        reusable,
        freshChunks: chunksBySource,
        goneSourceIds: [...diff.removed, ...diff.changed],
        embedder,
        embedBatch: EMBED_BATCH,
        synonyms: synonyms.groups,
        parsedFiles: parseCache.written(),
        carriedFiles: [...parseCache.carried(), ...carriedModel(layeredPrevious!)],
        pacer,
        onStep,
        onProgress: options.onProgress,
      });
      if (layered) {
        steps.stop();
        options.onProgress?.({ phase: "writing", step: "publishing", done: 1, total: 1 });
        return {
          summary: { ...summaryBase, ...layered, durationMs: performance.now() - started },
          problems: knowledge.problems,
          files: loadedFiles,
          stepMs: steps.milliseconds,
        };
      }
      // Compacting: every file is written again from the whole previous index.
      steps.start("previous");
      previous = await readPreviousIndex(layeredPrevious!);
      if (!previous) throw new Error(`the serving version ${layeredPrevious!.version} could not be read again`);
      steps.start("chunking");
    }
    const chunks: Chunk[] = [];
    /** Vectors of new chunks; an unchanged chunk's vector stays in the previous graph. */
    const vectors: (Float32Array | undefined)[] = [];
    /** Graph label of each chunk row; -1 until a new chunk is given one. */
    const labels: number[] = [];
    const toEmbed: { row: number; text: string }[] = [];
    /** The source of each chunk row. */
    const rowSources: SourceDoc[] = [];
    /** Where each previous chunk row moves to in this version, -1 when it is gone. */
    const newRowOf = new Int32Array(full ? 0 : previous!.chunks.length).fill(-1);
    const rowsBySource = new Map<string, number[]>();
    for (const [sourceIndex, source] of knowledge.sources.entries()) {
      const previousSource = reusable.has(source.sourceId) ? previous!.manifest.sources[source.sourceId] : undefined;
      const sourceChunks = previousSource ? previousSource.chunkRows.map((row) => previous!.chunks[row]) : chunksBySource[sourceIndex];
      const rows: number[] = [];
      sourceChunks.forEach((chunk, chunkIndex) => {
        const row = chunks.length;
        rows.push(row);
        chunks.push(chunk);
        rowSources.push(source);
        vectors.push(undefined);
        if (previousSource) {
          labels.push(previousSource.chunkLabels[chunkIndex]);
          newRowOf[previousSource.chunkRows[chunkIndex]] = row;
        } else {
          labels.push(-1);
          toEmbed.push({ row, text: embeddingText(source, chunk) });
        }
      });
      rowsBySource.set(source.sourceId, rows);
      if (pacer.due()) await pacer.pause();
    }

    // A full re-index segments every chunk once, for the fit, the local embedder's vectors and the
    // keyword index alike; its rows are exactly the texts to fit and embed, in order.
    steps.start("fitting");
    if (full) options.onProgress?.({ phase: "loading", step: "segmenting", done: 0, total: chunks.length });
    let segmented = full ? await segmentChunksOnTwoThreads(rowSources, chunks, pacer, segmentThread!) : null;
    const termIdEmbedder = segmented && embedder instanceof LocalEmbeddings ? embedder : null;
    if (termIdEmbedder)
      await termIdEmbedder.fitTermIds(
        segmented!.table.terms,
        segmented!.rows.map((row) => row.embedded),
        pacer,
      );
    else if (full)
      await embedder.fit(
        toEmbed.map((item) => item.text),
        pacer,
      );
    if (full) options.onProgress?.({ phase: "loading", step: "segmenting", done: chunks.length, total: chunks.length });
    const termIdCache = termIdEmbedder ? new TermIdCache(segmented!.table.terms.length) : undefined;

    steps.start("embedding");
    for (let start = 0; start < toEmbed.length; start += EMBED_BATCH) {
      const batch = toEmbed.slice(start, start + EMBED_BATCH);
      if (termIdEmbedder) {
        for (const item of batch) vectors[item.row] = termIdEmbedder.embedTermIds(segmented!.table.terms, segmented!.rows[item.row].embedded, termIdCache!);
      } else {
        const embedded = await embedder.embedDocuments(batch.map((item) => item.text));
        batch.forEach((item, index) => (vectors[item.row] = Float32Array.from(embedded[index])));
      }
      options.onProgress?.({ phase: "embedding", step: "embedding", done: Math.min(start + EMBED_BATCH, toEmbed.length), total: toEmbed.length });
      await pacer.pause();
    }

    // The keyword index reads the titles' and bodies' ids; the embedded ids (a third of the
    // segmented terms, about 100 MB at 100k chunks) are let go before the graph is built, and the
    // rest once the keyword index is built, before the files are written. (An async function's
    // locals live until it returns, hence the explicit letting go.)
    let keywordRows = segmented ? { terms: segmented.table.terms, rows: segmented.rows.map(({ title, body }) => ({ title, body })) } : null;
    // eslint-disable-next-line no-useless-assignment -- see above
    segmented = null;
    const takeKeywordRows = () => {
      const taken = keywordRows!;
      keywordRows = null;
      return taken;
    };
    options.onProgress?.({ phase: "writing", step: "keywords", done: 0, total: 1 });
    // The keyword index is kept in step with the graph: unchanged chunks keep their postings.
    // Terms are produced lazily so a large folder's terms are never all in memory at once.
    // A full re-index builds it while its new graph is built on the graph thread (in writeVersion).
    steps.start("keywords");
    const keywordPostings = keywordRows
      ? () => {
          const { terms, rows } = takeKeywordRows();
          return buildKeywordPostingsFromIdsPaced(terms, rows, pacer);
        }
      : await updateKeywordPostingsPaced(
          previous!.keywordPostings,
          newRowOf,
          (function* (): Generator<KeywordAddition> {
            for (const { row } of toEmbed) yield { row, document: keywordDocument(rowSources[row], chunks[row]) };
          })(),
          pacer,
        );
    steps.start("graph");
    const graph = planGraph(full ? null : previous, diff, labels, { ...DEFAULT_GRAPH_SHARDING, ...options.graphSharding });
    if (graph.write.kind === "build" && !full) {
      // Rebuilding the graph on an incremental run: unchanged chunks' vectors come from the old graph.
      const reusedRows = labels.flatMap((label, row) => (label === -1 ? [] : [row]));
      const reusedVectors = await readVersionVectors(
        previous!,
        reusedRows.map((row) => labels[row]),
        pacer,
      );
      reusedRows.forEach((row, position) => (vectors[row] = reusedVectors[position]));
    }
    const descriptor = embedder.describe();
    const dimensions = descriptor.dimensions || previous?.manifest.embedder.dimensions || vectors.find((vector) => vector)?.length || 0;
    const manifestSources: IndexManifest["sources"] = {};
    for (const source of knowledge.sources) {
      const rows = rowsBySource.get(source.sourceId)!;
      manifestSources[source.sourceId] = {
        contentHash: source.contentHash,
        file: source.file,
        chunkRows: rows,
        chunkLabels: rows.map((row) => graph.labels[row]),
      };
    }
    const entry = (row: number) => ({ label: graph.labels[row], chunk: chunks[row], vector: vectors[row]! });
    const version = await writeVersion(options.indexDir, {
      embedder,
      manifest: {
        embedder: { ...descriptor, dimensions },
        chunkOptions: DEFAULT_CHUNK_OPTIONS,
        counts: { sources: knowledge.sources.length, chunks: chunks.length },
        sources: manifestSources,
        synonyms: synonyms.groups,
      },
      graph:
        graph.write.kind === "update"
          ? { ...graph.write, added: graph.write.addedRows.map(entry), previousChanges: previous!.graphChanges }
          : { kind: "build", entries: chunks.map((_, row) => entry(row)), shards: graph.write.shards },
      graphLabels: { nextLabel: graph.nextLabel, deletedLabels: graph.deletedTotal },
      sources: knowledge.sources,
      chunks,
      keywordPostings,
      parsedFiles: parseCache.written(),
      carriedFiles: [...parseCache.carried(), ...(full ? [] : carriedModel(previous!))],
      pacer,
      onStep,
    });
    steps.stop();
    options.onProgress?.({ phase: "writing", step: "publishing", done: 1, total: 1 });
    return {
      summary: { ...summaryBase, version, chunks: chunks.length, embeddedChunks: toEmbed.length, durationMs: performance.now() - started },
      problems: knowledge.problems,
      files: loadedFiles,
      stepMs: steps.milliseconds,
    };
  };
  try {
    // A dry run writes nothing, so it needs no lock.
    if (options.dryRun) return await run(new BuildPacer(options.signal));
    // Holding the lock, killed runs' leftovers are removed, even when this run turns out to change
    // nothing. A lost lock stops this build too (INDEX_LOCKED): another one may be writing now.
    return await withIndexWriting(options.indexDir, { waitMs: limits.lockWaitMs }, (lockLost) =>
      run(new BuildPacer(options.signal ? AbortSignal.any([options.signal, lockLost]) : lockLost)),
    );
  } finally {
    (segmentThread as SegmentThread | null)?.stop();
  }
}

/** The serving version with its checked manifest, or null when there is none or it cannot be read. */
async function readServingVersionOrNull(indexDir: string): Promise<StoredVersion | null> {
  try {
    // A CURRENT that names no version is no previous version: the full build writes it again. The
    // manifest's own checksum is checked here; the files it lists, by readPreviousIndex.
    return await readServingVersion(indexDir);
  } catch {
    // An unreadable previous version is rebuilt rather than trusted.
    return null;
  }
}

/** True when the version's vectors are usable with the configured embedder and chunking. */
function vectorsReusable(stored: StoredVersion, embedderConfig: EmbedderConfig): boolean {
  const sameChunking = JSON.stringify(stored.manifest.chunkOptions) === JSON.stringify(DEFAULT_CHUNK_OPTIONS);
  // A different embedder or chunking invalidates every vector: rebuild from scratch.
  return embedderMatches(stored.manifest, embedderConfig) && sameChunking;
}

/** The serving version's sources, to keep those of files that now fail; none when they cannot be read. */
async function readPreviousSources(stored: StoredVersion): Promise<SourceDoc[]> {
  try {
    return (await readVersionParts(stored, { sources: true })).sources ?? [];
  } catch {
    return [];
  }
}

/** The serving version's chunks, embedder model and keyword postings, for an incremental re-index. */
async function readPreviousIndex(stored: StoredVersion): Promise<PreviousIndex | null> {
  try {
    // Checked like a serving load, docstore included: the graph may be updated in place (hnswlib
    // reads it) or have its vectors read back.
    const { chunks, embedderModel, keywordPostings, graphChanges } = await readVersionParts(stored, { withDocstore: true });
    return { ...stored, chunks, embedderModel, keywordPostings, graphChanges };
  } catch {
    // A damaged previous version is rebuilt in full rather than trusted.
    return null;
  }
}

/**
 * The previous version's embedder model, carried into the new version as it is: an incremental
 * re-index never fits the embedder again (its serialized model is the bytes it was loaded from).
 */
function carriedModel(previous: StoredVersion & { embedderModel: Buffer | null }): CarriedFile[] {
  const record = fileRecord(previous.manifest, INDEX_FILES.embedderModel);
  return record && previous.embedderModel ? [{ name: INDEX_FILES.embedderModel, from: previous.directory, record }] : [];
}

interface GraphPlan {
  /** Graph label of every chunk row. */
  labels: number[];
  nextLabel: number;
  deletedTotal: number;
  /** A rebuild (in `shards` shards), or an update of the previous graph adding the chunks of `addedRows`. */
  write: { kind: "build"; shards: number } | (Omit<Extract<GraphWrite, { kind: "update" }>, "added"> & { addedRows: number[] });
}

/**
 * Decides between updating the previous HNSW graph (mark the labels of removed and changed
 * sources deleted, add the new chunks under fresh labels) and rebuilding it with labels equal to
 * rows: a rebuild on a full re-index, when the graph was built with other parameters, when
 * deleted labels would make up too much of it, or when one graph has grown past the size from
 * which a new graph is sharded (an update inserts on this thread; a rebuild uses every shard's).
 */
function planGraph(previous: PreviousIndex | null, diff: SourceDiff, labels: number[], sharding: GraphSharding): GraphPlan {
  const shards = shardCountFor(labels.length, sharding);
  const rebuild = (): GraphPlan => ({ labels: labels.map((_, row) => row), nextLabel: labels.length, deletedTotal: 0, write: { kind: "build", shards } });
  if (!previous || !graphUpdatable(previous.manifest)) return rebuild();
  if (shards > 1 && !previous.manifest.hnsw.shards) return rebuild();
  const deletedLabels = [...diff.removed, ...diff.changed].flatMap((sourceId) => previous.manifest.sources[sourceId].chunkLabels);
  const deletedTotal = previous.manifest.hnsw.deletedLabels + deletedLabels.length;
  if (deletedTotal > MAX_DELETED_SHARE * Math.max(labels.length, 1)) return rebuild();
  let nextLabel = previous.manifest.hnsw.nextLabel;
  const addedRows: number[] = [];
  const assigned = labels.map((label, row) => {
    if (label !== -1) return label;
    addedRows.push(row);
    return nextLabel++;
  });
  return { labels: assigned, nextLabel, deletedTotal, write: { kind: "update", previous, deletedLabels, addedRows } };
}

interface SourceDiff {
  added: string[];
  changed: string[];
  removed: string[];
  unchanged: string[];
}

export function diffSources(sources: SourceDoc[], manifest: IndexManifest | undefined): SourceDiff {
  return runSteps(diffSteps(sources, manifest, NEVER_DUE));
}

/** The diff as a step generator (see BuildPacer.drive): a million sources take seconds to compare. */
function* diffSteps(sources: SourceDoc[], manifest: IndexManifest | undefined, due: () => boolean): Generator<void, SourceDiff, void> {
  const diff: SourceDiff = { added: [], changed: [], removed: [], unchanged: [] };
  const seen = new Set<string>();
  for (const source of sources) {
    seen.add(source.sourceId);
    const previous = manifest?.sources[source.sourceId];
    if (!previous) diff.added.push(source.sourceId);
    else if (previous.contentHash !== source.contentHash) diff.changed.push(source.sourceId);
    else diff.unchanged.push(source.sourceId);
    if (due()) yield;
  }
  for (const sourceId of Object.keys(manifest?.sources ?? {})) {
    if (!seen.has(sourceId)) diff.removed.push(sourceId);
    if (due()) yield;
  }
  return diff;
}
