/** src/store/ alone writes and reads index versions: version-writer.ts and version-reader.ts, on a real index on disk. */
import { appendFile, cp, mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbedder } from "../../src/embeddings/create-embedder.js";
import { buildIndex } from "../../src/ingest/build-index.js";
import { BuildPacer } from "../../src/core/build-pacer.js";
import { INDEX_FILES, readCurrentVersion, versionsDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { readServingVersion, readVersionParts, readVersionVectors, type StoredVersion } from "../../src/store/version-reader.js";
import { type NewVersion, withIndexWriting, writeVersion } from "../../src/store/version-writer.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-versions-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

async function builtIndex(): Promise<{ indexDir: string; version: string }> {
  const folder = await mkdtemp(path.join(workDir, "case-"));
  const knowledgeDir = path.join(folder, "knowledge");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
  const indexDir = path.join(folder, "index");
  const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
  return { indexDir, version: summary.version! };
}

/** The stored version again, as a new version with its graph rebuilt from the stored vectors. */
async function copyOf(stored: StoredVersion, pacer: BuildPacer): Promise<NewVersion> {
  const parts = await readVersionParts(stored, { sources: true, withDocstore: true });
  const { manifest } = stored;
  const rows = Object.values(manifest.sources).flatMap(({ chunkRows, chunkLabels }) =>
    chunkRows.map((row, position) => ({ row, label: chunkLabels[position] })),
  );
  const vectors = await readVersionVectors(
    stored,
    rows.map(({ label }) => label),
    pacer,
  );
  return {
    embedder: createEmbedder(local, { model: parts.embedderModel, dimensions: manifest.embedder.dimensions }),
    manifest: { embedder: manifest.embedder, chunkOptions: manifest.chunkOptions, counts: manifest.counts, sources: manifest.sources },
    graph: { kind: "build", entries: rows.map(({ row, label }, index) => ({ label, chunk: parts.chunks[row], vector: vectors[index] })) },
    graphLabels: { nextLabel: manifest.hnsw.nextLabel, deletedLabels: manifest.hnsw.deletedLabels },
    sources: parts.sources!,
    chunks: parts.chunks,
    keywordPostings: parts.keywordPostings,
    pacer,
  };
}

describe("index versions", () => {
  it("reads the serving version's parts, checked against its manifest, as serving does", async () => {
    const { indexDir, version } = await builtIndex();
    const stored = (await readServingVersion(indexDir))!;
    expect(stored.version).toBe(version);
    const parts = await readVersionParts(stored, { sources: true });
    expect(parts.sources).toHaveLength(stored.manifest.counts.sources);
    expect(parts.chunks).toHaveLength(stored.manifest.counts.chunks);
    expect(parts.keywordPostings.titleLengths).toHaveLength(stored.manifest.counts.chunks);

    await appendFile(path.join(stored.directory, INDEX_FILES.chunks), " ");
    await expect(readVersionParts(stored)).rejects.toMatchObject({ code: "INDEX_CORRUPT", message: expect.stringContaining(INDEX_FILES.chunks) });
    await expect(loadIndex(indexDir, local)).rejects.toMatchObject({ code: "INDEX_CORRUPT", message: expect.stringContaining(INDEX_FILES.chunks) });
  });

  it("writes, publishes and prunes a version; an aborted write publishes nothing and leaves no staging folder", async () => {
    const { indexDir, version: first } = await builtIndex();
    const stopped = new AbortController();
    stopped.abort("test stop");
    await expect(
      withIndexWriting(indexDir, { waitMs: 0 }, async () =>
        writeVersion(indexDir, await copyOf((await readServingVersion(indexDir))!, new BuildPacer(stopped.signal))),
      ),
    ).rejects.toMatchObject({ code: "REINDEX_INTERRUPTED" });
    expect(await readCurrentVersion(indexDir)).toBe(first);
    expect(await readdir(versionsDirectory(indexDir))).toEqual([first]);

    const second = await withIndexWriting(indexDir, { waitMs: 0 }, async () =>
      writeVersion(indexDir, await copyOf((await readServingVersion(indexDir))!, new BuildPacer())),
    );
    expect(second).not.toBe(first);
    expect(await readCurrentVersion(indexDir)).toBe(second);
    const loaded = await loadIndex(indexDir, local);
    expect(loaded.version).toBe(second);
    // The previous version is kept beside the new one (a reader that started on it can finish), nothing more.
    expect((await readdir(versionsDirectory(indexDir))).sort()).toEqual([first, second].sort());

    const third = await withIndexWriting(indexDir, { waitMs: 0 }, async () =>
      writeVersion(indexDir, await copyOf((await readServingVersion(indexDir))!, new BuildPacer())),
    );
    expect((await readdir(versionsDirectory(indexDir))).sort()).toEqual([second, third].sort());
    expect((await loadIndex(indexDir, local)).chunks.map((chunk) => chunk.chunkId)).toEqual(loaded.chunks.map((chunk) => chunk.chunkId));
  });
});
