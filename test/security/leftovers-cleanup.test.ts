/**
 * A killed run leaves a staging folder (`versions/*.partial`) and a temporary CURRENT behind. The
 * next run removes them even when it changes nothing, and the serving version is untouched.
 */
import { mkdir, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { newVersionName, readCurrentVersion, versionsDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { buildLeftovers, scratchFolders } from "./support/large-knowledge.js";

const local = { kind: "local" as const, batchSize: 64 };
let folders: Awaited<ReturnType<typeof scratchFolders>>;

beforeAll(async () => {
  folders = await scratchFolders();
});
afterAll(() => folders.cleanup());

describe("leftovers of a killed run", () => {
  it("are removed by a run that changes nothing", async () => {
    const { knowledgeDir, indexDir } = folders;
    const { summary: first } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    // What a build killed while writing leaves: a half-written staging folder and CURRENT's temporary.
    const staging = path.join(versionsDirectory(indexDir), `${newVersionName()}.partial`);
    await mkdir(path.join(staging, "hnsw"), { recursive: true });
    await writeFile(path.join(staging, "chunks.json"), "[{");
    await writeFile(path.join(indexDir, "CURRENT.4242.tmp"), "v-half\n");
    expect(await buildLeftovers(indexDir)).toHaveLength(2);

    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(summary).toMatchObject({ added: [], changed: [], removed: [], embeddedChunks: 0, version: first.version });
    expect(await buildLeftovers(indexDir)).toEqual([]);
    expect(await readdir(versionsDirectory(indexDir))).toEqual([first.version]);
    expect(await readCurrentVersion(indexDir)).toBe(first.version);
    expect((await loadIndex(indexDir, local)).version).toBe(first.version);
  });
});
