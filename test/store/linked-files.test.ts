/**
 * An incremental re-index links the files it keeps unchanged (the embedder's model, kept parses)
 * from the previous version instead of writing them again, and a later build never changes the
 * bytes an older version holds through such a link: each build writes only new names.
 */
import { createHash } from "node:crypto";
import { cp, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { versionDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
let workDir: string;
let knowledgeDir: string;
let indexDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-linked-files-"));
  knowledgeDir = path.join(workDir, "knowledge");
  indexDir = path.join(workDir, "index");
  await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const modelOf = (version: string) => path.join(versionDirectory(indexDir, version), "embedder-model.bin");
const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

describe("files an incremental re-index keeps unchanged", () => {
  it("are hard links to the previous version's, with the same manifest record, and the new version loads", async () => {
    const first = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    await writeFile(path.join(knowledgeDir, "clinic-hours.md"), "# 社区医院门诊时间\n\n社区医院门诊周一至周五开放。\n");
    const second = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(second.summary.added).toEqual(["clinic-hours.md"]);
    const [before, after] = [await stat(modelOf(first.summary.version!)), await stat(modelOf(second.summary.version!))];
    expect(after.ino).toBe(before.ino);
    expect(after.nlink).toBeGreaterThanOrEqual(2);
    // The new version loads, every file checked against its manifest, and records the model's real checksum.
    const loaded = await loadIndex(indexDir, local);
    expect(loaded.version).toBe(second.summary.version);
    expect(loaded.manifest.files.find((file) => file.path === "embedder-model.bin")?.sha256).toBe(await sha256(modelOf(second.summary.version!)));
  });

  it("are never written through by a later build: the older version keeps its bytes", async () => {
    const current = (await loadIndex(indexDir, local)).version;
    const linkedModel = modelOf(current);
    const bytesBefore = await sha256(linkedModel);
    // A full re-index fits a new model for a changed folder; it must land in a new file, not in the shared inode.
    await writeFile(path.join(knowledgeDir, "clinic-hours.md"), "# 社区医院门诊时间\n\n社区医院门诊周一至周六开放，周日休息。\n");
    const full = await buildIndex({ knowledgeDir, indexDir, embedder: local, full: true });
    expect(full.summary.version).not.toBe(current);
    expect(await sha256(linkedModel)).toBe(bytesBefore);
    expect((await stat(modelOf(full.summary.version!))).ino).not.toBe((await stat(linkedModel)).ino);
    await expect(loadIndex(indexDir, local)).resolves.toMatchObject({ version: full.summary.version });
  });
});
