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
} from "./index-layout.js";
import { writeKeywordFile } from "./keyword-file.js";
import type { KeywordPostings } from "./keyword-postings.js";
import { INDEX_FORMAT_VERSION, type IndexManifest } from "./manifest.js";
import { withReindexLock } from "./reindex-lock.js";
import { buildVectorStore, HNSW_PARAMETERS, type LabelledVector, updateVectorStore } from "./vector-store.js";
import { describeVersionFiles, sealManifest } from "./version-files.js";
import { graphDirectory, type StoredVersion } from "./version-reader.js";

/** How the new version's HNSW graph comes about. */
export type GraphWrite =
  /** A new graph holding exactly `entries`. */
  | { kind: "build"; entries: LabelledVector[] }
  /** The previous version's graph with `deletedLabels` hidden and `added` inserted. */
  | { kind: "update"; previous: StoredVersion; deletedLabels: number[]; added: LabelledVector[] };

/** What a new version holds; the version name, build time, format and graph parameters are the writer's. */
export interface NewVersion {
  embedder: KnowledgeEmbeddings;
  /** The manifest's description of the contents. */
  manifest: Pick<IndexManifest, "embedder" | "chunkOptions" | "counts" | "sources" | "synonyms">;
  graph: GraphWrite;
  /** Next free graph label and labels deleted since the last rebuild, for the manifest. */
  graphLabels: { nextLabel: number; deletedLabels: number };
  sources: SourceDoc[];
  chunks: Chunk[];
  keywordPostings: KeywordPostings;
  /**
   * Kept parses of knowledge documents (paths under `parsed/`): a new one is written, a reused one
   * is hard-linked from the previous version's folder (copied where links are not possible).
   */
  parsedFiles?: { name: string; from?: string; contents?: string }[];
  /** Paces the long loops and stops the write once aborted (nothing is published then). */
  pacer: BuildPacer;
  /** Told as each step of the write begins, for the build's step times. */
  onStep?: (step: "graph" | "files" | "checksums" | "publishing") => void;
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
  return manifest.hnsw.M === HNSW_PARAMETERS.M && manifest.hnsw.efConstruction === HNSW_PARAMETERS.efConstruction;
}

/**
 * Puts the kept parses into the staging folder. A reused one becomes a hard link to the previous
 * version's file: both versions then share one inode, which is safe because no build ever opens a
 * version's file for writing (each build writes only new names in its own staging folder), so the
 * older version's bytes cannot change under it. Where the file system refuses a link (another
 * device, no link support), the file is copied instead.
 */
async function writeParsedFiles(staging: string, files: { name: string; from?: string; contents?: string }[]): Promise<void> {
  if (files.length === 0) return;
  const directory = path.join(staging, INDEX_FILES.parsed);
  await writingTo(directory, mkdir(directory, { recursive: true }));
  await Promise.all(
    files.map(async ({ name, from, contents }) => {
      const target = path.join(staging, name);
      if (contents !== undefined) return writingTo(target, writeFile(target, contents, { flag: "wx" }));
      const source = path.join(from!, name);
      await link(source, target).catch(() => writingTo(target, copyFile(source, target, constants.COPYFILE_EXCL)));
    }),
  );
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
    hnsw: { ...HNSW_PARAMETERS, ...contents.graphLabels },
    counts: contents.manifest.counts,
    sources: contents.manifest.sources,
    ...(contents.manifest.synonyms && contents.manifest.synonyms.length > 0 ? { synonyms: contents.manifest.synonyms } : {}),
  };
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
  const { sources, chunks, keywordPostings, embedder, graph, pacer } = contents;
  const onStep = contents.onStep ?? (() => undefined);
  const staging = await createStagingDirectory(indexDir, version);
  onStep("graph");
  const store =
    graph.kind === "update"
      ? await updateVectorStore(graphDirectory(graph.previous.directory), embedder, graph.deletedLabels, graph.added, pacer)
      : await buildVectorStore(embedder, graph.entries, manifest.embedder.dimensions, pacer);
  const inStaging = (name: string) => path.join(staging, name);
  onStep("files");
  await writingTo(inStaging(INDEX_FILES.hnsw), mkdir(inStaging(INDEX_FILES.hnsw), { recursive: true }));
  const model = embedder.serializeModel();
  // Each write is named in a DISK_FULL error; all of them settle before the staging folder is removed.
  await allWritten([
    writingTo(inStaging(INDEX_FILES.hnsw), store.save(inStaging(INDEX_FILES.hnsw))),
    writingTo(inStaging(INDEX_FILES.sources), writeFile(inStaging(INDEX_FILES.sources), JSON.stringify(sources))),
    writingTo(inStaging(INDEX_FILES.chunks), writeFile(inStaging(INDEX_FILES.chunks), JSON.stringify(chunks))),
    writingTo(inStaging(INDEX_FILES.keywords), writeKeywordFile(inStaging(INDEX_FILES.keywords), keywordPostings)),
    model ? writingTo(inStaging(INDEX_FILES.embedderModel), writeFile(inStaging(INDEX_FILES.embedderModel), model)) : Promise.resolve(),
    writeParsedFiles(staging, contents.parsedFiles ?? []),
  ]);
  // The manifest is written last: a version directory without one was never finished. It records
  // every file's size and checksum as read back from disk, which every reader checks first.
  onStep("checksums");
  await writingTo(inStaging(INDEX_FILES.manifest), writeFile(inStaging(INDEX_FILES.manifest), sealManifest(manifest, await describeVersionFiles(staging))));
  // Not published once stopped (a signal, or the lock taken over while the files were written).
  pacer.throwIfAborted();
  onStep("publishing");
  await publishStagingDirectory(indexDir, staging, version);
  await switchCurrentVersion(indexDir, version);
  await pruneVersions(indexDir, version);
}
