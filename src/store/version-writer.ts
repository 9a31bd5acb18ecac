/**
 * Writing an index version: under the re-index lock, every file goes into a staging folder, the
 * manifest (sealed with each file's size and checksum as read back from disk) last, then the folder
 * is renamed into place, CURRENT is switched and old versions are pruned. The serving version stays
 * usable throughout: a failed, interrupted or disk-full write leaves no staging folder and CURRENT
 * as it was. Builders say what the version holds; how it lands on disk is decided here alone.
 */
import { constants } from "node:fs";
import { copyFile, link, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Chunk, SourceDoc } from "../core/types.js";
import type { KnowledgeEmbeddings } from "../embeddings/knowledge-embeddings.js";
import type { BuildPacer } from "../core/build-pacer.js";
import { allWritten, writingTo } from "./disk-full.js";
import {
  createStagingDirectory,
  INDEX_FILES,
  newVersionName,
  publishStagingDirectory,
  pruneVersions,
  removeDeadBuilds,
  removeStagingDirectory,
  switchCurrentVersion,
  versionDirectory,
} from "./index-layout.js";
import { writeKeywordFile } from "./keyword-file.js";
import { writeJsonRows } from "./json-rows-file.js";
import type { KeywordPostings } from "./keyword-postings.js";
import { INDEX_FORMAT_VERSION, type IndexManifest } from "./manifest.js";
import { withReindexLock } from "./reindex-lock.js";
import { type GraphChanges, HNSW_PARAMETERS, type LabelledVector, saveNewGraph, updateVectorStore } from "./vector-store.js";
import { saveNewGraphShards, updateGraphShards } from "./graph-shard-files.js";
import { graphParameters, type ManifestShard, shardFolder } from "./graph-shards.js";
import { ADDED_VECTORS_FILE, encodeAddedVectors } from "./version-layers.js";
import { describeVersionFiles, rememberLinkedFiles, sealManifest } from "./version-files.js";
import type { VersionFile } from "./manifest.js";
import { graphDirectory, type StoredVersion } from "./version-reader.js";

/** A file of the previous version that the new one holds as it is. */
export interface CarriedFile {
  /** Path inside the version, e.g. `parsed/<key>.json`. */
  name: string;
  /** The previous version's folder. */
  from: string;
  /** Path inside the previous version, when not `name` (a layered version keeps a base's `chunks.json` as `base/chunks.json`). */
  fromName?: string;
  /** The previous manifest's record of the file. */
  record: VersionFile;
}

/** How the new version's HNSW graph comes about. */
export type GraphWrite =
  /** A new graph holding exactly `entries`, in `shards` shards built at once (1: one graph, not sharded). */
  | { kind: "build"; entries: LabelledVector[]; shards?: number }
  /** The previous version's graph (each of its shards) with `deletedLabels` hidden and `added` inserted (after its own changes, when it is layered). */
  | { kind: "update"; previous: StoredVersion; deletedLabels: number[]; added: LabelledVector[]; previousChanges?: GraphChanges }
  /**
   * A layered version: the graph files are carried from the previous version unchanged (in
   * `carriedFiles`); the vectors of the manifest's `layers.addedGraphLabels` are written beside them.
   */
  | { kind: "layered"; addedVectors: Float32Array[] };

/** What a new version holds; the version name, build time, format and graph parameters are the writer's. */
export interface NewVersion {
  embedder: KnowledgeEmbeddings;
  /** The manifest's description of the contents. */
  manifest: Pick<IndexManifest, "embedder" | "chunkOptions" | "counts" | "sources" | "synonyms" | "layers">;
  graph: GraphWrite;
  /**
   * Next free graph label and labels deleted since the last rebuild, for the manifest, and the
   * elements of a carried graph file (a layered version's) when not `nextLabel`.
   */
  graphLabels: { nextLabel: number; deletedLabels: number; elements?: number; shards?: ManifestShard[] };
  /** The sources and chunks written into `sources.json` and `chunks.json`: a layered version's own rows only. */
  sources: SourceDoc[];
  chunks: Chunk[];
  /** The keyword index, or a function building it (run while a new graph is built on its thread). */
  keywordPostings: KeywordPostings | (() => Promise<KeywordPostings>);
  /** Kept parses of knowledge documents (paths under `parsed/`), new ones to write. */
  parsedFiles?: { name: string; contents: string }[];
  /**
   * Files the new version holds unchanged from the previous one (a reused parse, the embedder's
   * model when it was not fitted again): hard-linked from `from`, the previous version's folder,
   * with the record its manifest keeps (checked when this build read the file).
   */
  carriedFiles?: CarriedFile[];
  /** Paces the long loops and stops the write once aborted (nothing is published then). */
  pacer: BuildPacer;
  /** Told as each step of the write begins, for the build's step times. */
  onStep?: (step: "graph" | "keywords" | "files" | "checksums" | "publishing") => void;
}

/**
 * Runs `work` holding the re-index lock, after removing what killed builds left behind (staging
 * folders, CURRENT temporaries): holding the lock, no other build is alive to own them. `lockLost`
 * aborts when another process takes the lock over.
 */
export function withIndexWriting<T>(indexDir: string, options: { waitMs: number }, work: (lockLost: AbortSignal) => Promise<T>): Promise<T> {
  return withReindexLock(
    indexDir,
    async (lockLost) => {
      await removeDeadBuilds(indexDir);
      return work(lockLost);
    },
    { waitMs: options.waitMs },
  );
}

/** True when a version's graph was built with this version's HNSW parameters, so it can be updated in place. */
export function graphUpdatable(manifest: IndexManifest): boolean {
  const expected = graphParameters(manifest.hnsw.shards !== undefined);
  return manifest.hnsw.M === expected.M && manifest.hnsw.efConstruction === expected.efConstruction;
}

/** Writes the new kept parses into the staging folder; each name is new, so `wx` refuses to open an existing file. */
async function writeParsedFiles(staging: string, files: { name: string; contents: string }[]): Promise<void> {
  await Promise.all(files.map(({ name, contents }) => writingTo(path.join(staging, name), writeFile(path.join(staging, name), contents, { flag: "wx" }))));
}

/**
 * Puts the carried files into the staging folder as hard links to the previous version's files.
 * Both versions then share one inode, which is safe because no build ever opens a version's file
 * for writing: each build writes only new names (`wx`) in its own staging folder, after the links
 * are made no write touches a linked name, and pruning only unlinks. So an older version's bytes
 * cannot change under a reader. Where the file system refuses a link (another device, no link
 * support), the file is copied instead.
 */
async function linkCarriedFiles(staging: string, files: CarriedFile[]): Promise<void> {
  await Promise.all(
    files.map(async ({ name, from, fromName }) => {
      const source = path.join(from, fromName ?? name);
      const target = path.join(staging, name);
      await link(source, target).catch(() => writingTo(target, copyFile(source, target, constants.COPYFILE_EXCL)));
    }),
  );
}

/**
 * The previous graph updated (vector-store.ts's update, or each shard's), with the elements it holds and
 * a way to save it into the new version's graph folder; a sharded graph's new runs go into `manifest`.
 */
async function updateGraph(
  graph: Extract<GraphWrite, { kind: "update" }>,
  manifest: IndexManifest,
  embedder: KnowledgeEmbeddings,
  pacer: BuildPacer,
): Promise<{ elements: number; save: (folder: string) => Promise<void> }> {
  const previousShards = graph.previous.manifest.hnsw.shards;
  const previousGraph = graphDirectory(graph.previous.directory);
  if (!previousShards) {
    const store = await updateVectorStore(previousGraph, embedder, graph.deletedLabels, graph.added, pacer, graph.previousChanges);
    return { elements: store.index.getCurrentCount(), save: (folder) => store.save(folder) };
  }
  const changes = [...(graph.previousChanges ? [graph.previousChanges] : []), { deletedLabels: graph.deletedLabels, added: graph.added }];
  const { stores, shards, elements } = await updateGraphShards(previousGraph, previousShards, manifest.hnsw.nextLabel, embedder, changes, pacer);
  manifest.hnsw.shards = shards;
  return {
    elements,
    save: async (folder) => {
      await Promise.all(stores.map((store, shard) => store.save(path.join(folder, shardFolder(shard)))));
    },
  };
}

/** True when the new version's graph is sharded: built in shards, or the previous one's shards updated or linked. */
function graphSharded({ graph, graphLabels }: NewVersion): boolean {
  if (graph.kind === "build") return (graph.shards ?? 1) > 1;
  if (graph.kind === "update") return graph.previous.manifest.hnsw.shards !== undefined;
  return graphLabels.shards !== undefined;
}

/** Writes and publishes a new version, returning its name. Call it inside withIndexWriting. */
export async function writeVersion(indexDir: string, contents: NewVersion): Promise<string> {
  const version = newVersionName();
  const manifest: IndexManifest = {
    formatVersion: INDEX_FORMAT_VERSION,
    version,
    builtAt: new Date().toISOString(),
    embedder: contents.manifest.embedder,
    chunkOptions: contents.manifest.chunkOptions,
    hnsw: { ...HNSW_PARAMETERS, ...contents.graphLabels, ...graphParameters(graphSharded(contents)) },
    counts: contents.manifest.counts,
    sources: contents.manifest.sources,
    ...(contents.manifest.synonyms && contents.manifest.synonyms.length > 0 ? { synonyms: contents.manifest.synonyms } : {}),
    ...(contents.manifest.layers ? { layers: contents.manifest.layers } : {}),
  };
  if (manifest.hnsw.elements === undefined || manifest.hnsw.elements === manifest.hnsw.nextLabel) delete manifest.hnsw.elements;
  if (manifest.hnsw.shards === undefined) delete manifest.hnsw.shards;
  try {
    await writeStagedVersion(indexDir, version, manifest, contents);
  } catch (error) {
    // A failed or interrupted build leaves no staging folder; CURRENT was not switched.
    await removeStagingDirectory(indexDir, version);
    throw error;
  }
  return version;
}

async function writeStagedVersion(indexDir: string, version: string, manifest: IndexManifest, contents: NewVersion): Promise<void> {
  const { sources, chunks, embedder, graph, pacer } = contents;
  const onStep = contents.onStep ?? (() => undefined);
  const staging = await createStagingDirectory(indexDir, version);
  const inStaging = (name: string) => path.join(staging, name);
  await writingTo(inStaging(INDEX_FILES.hnsw), mkdir(inStaging(INDEX_FILES.hnsw), { recursive: true }));
  onStep("graph");
  // A new graph (each shard of it) is built and saved on a worker thread while this thread builds
  // the keyword index and writes the other files; an updated one is changed here, where the
  // previous graph is read.
  const graphFolder = inStaging(INDEX_FILES.hnsw);
  const newGraph =
    graph.kind !== "build"
      ? undefined
      : (graph.shards ?? 1) > 1
        ? writingTo(
            graphFolder,
            saveNewGraphShards(graphFolder, embedder, graph.entries, manifest.embedder.dimensions, graph.shards!, pacer.signal).then((shards) => {
              manifest.hnsw.shards = shards;
            }),
          )
        : writingTo(graphFolder, saveNewGraph(graphFolder, embedder, graph.entries, manifest.embedder.dimensions, pacer.signal));
  const updated = graph.kind === "update" ? await updateGraph(graph, manifest, embedder, pacer) : undefined;
  // Labels given to chunks that were gone again before this update are in no graph.
  if (updated && updated.elements !== manifest.hnsw.nextLabel) manifest.hnsw.elements = updated.elements;
  let keywordPostings: KeywordPostings;
  try {
    onStep("keywords");
    keywordPostings = typeof contents.keywordPostings === "function" ? await contents.keywordPostings() : contents.keywordPostings;
  } catch (error) {
    // The graph thread writes into the staging folder: it settles before the folder is removed.
    await newGraph?.catch(() => undefined);
    throw error;
  }
  onStep("files");
  // A carried file is recorded under its name in this version (a base file is renamed into base/).
  const carried = (contents.carriedFiles ?? []).map((file) => ({ ...file, record: { ...file.record, path: file.name } }));
  const carriedNames = new Set(carried.map((file) => file.name));
  const folders = new Set(carried.map((file) => path.posix.dirname(file.name)).filter((folder) => folder !== "."));
  if ((contents.parsedFiles ?? []).length > 0) folders.add(INDEX_FILES.parsed);
  for (const folder of folders) await writingTo(inStaging(folder), mkdir(inStaging(folder), { recursive: true }));
  // A model carried over unchanged is linked, not written again.
  const model = carriedNames.has(INDEX_FILES.embedderModel) ? null : embedder.serializeModel();
  // Each write is named in a DISK_FULL error; all of them settle before the staging folder is removed.
  const files = allWritten([
    updated ? writingTo(graphFolder, updated.save(graphFolder)) : Promise.resolve(),
    writingTo(inStaging(INDEX_FILES.sources), writeJsonRows(inStaging(INDEX_FILES.sources), sources, pacer)),
    writingTo(inStaging(INDEX_FILES.chunks), writeJsonRows(inStaging(INDEX_FILES.chunks), chunks, pacer)),
    writingTo(inStaging(INDEX_FILES.keywords), writeKeywordFile(inStaging(INDEX_FILES.keywords), keywordPostings)),
    model ? writingTo(inStaging(INDEX_FILES.embedderModel), writeFile(inStaging(INDEX_FILES.embedderModel), model)) : Promise.resolve(),
    writeParsedFiles(staging, contents.parsedFiles ?? []),
    graph.kind === "layered"
      ? writingTo(
          inStaging(ADDED_VECTORS_FILE),
          writeFile(inStaging(ADDED_VECTORS_FILE), encodeAddedVectors(graph.addedVectors, manifest.embedder.dimensions), { flag: "wx" }),
        )
      : Promise.resolve(),
  ]);
  await allWritten([files, newGraph ?? Promise.resolve()]);
  await linkCarriedFiles(staging, carried);
  // The manifest is written last: a version directory without one was never finished. It records
  // every file's size and checksum as read back from disk, which every reader checks first.
  onStep("checksums");
  await writingTo(
    inStaging(INDEX_FILES.manifest),
    writeFile(inStaging(INDEX_FILES.manifest), sealManifest(manifest, await describeVersionFiles(staging, carried))),
  );
  // Not published once stopped (a signal, or the lock taken over while the files were written).
  pacer.throwIfAborted();
  onStep("publishing");
  await publishStagingDirectory(indexDir, staging, version);
  await switchCurrentVersion(indexDir, version);
  await pruneVersions(indexDir, version);
  await rememberLinkedFiles(carried.map((file) => path.join(versionDirectory(indexDir, version), file.name)));
}
