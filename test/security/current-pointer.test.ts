/**
 * CURRENT must name a version inside versions/: a path that climbs out (`../../../etc`, or out to a
 * real index planted elsewhere), an absolute path, or garbage is INDEX_CORRUPT naming CURRENT and
 * is never followed. `kb reindex --full`, the fix the error names, writes CURRENT again.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { readCurrentVersion, versionDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };

let workDir: string;
let pristineIndex: string;
let pristineVersion: string;
let copies = 0;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-current-pointer-"));
  pristineIndex = path.join(workDir, "pristine");
  await buildIndex({ knowledgeDir: SEED_KNOWLEDGE_DIR, indexDir: pristineIndex, embedder: local });
  pristineVersion = (await readCurrentVersion(pristineIndex))!;
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A copy of the built index whose CURRENT holds `pointer`. */
async function indexPointingAt(pointer: string): Promise<string> {
  const indexDir = path.join(workDir, `copy-${++copies}`);
  await cp(pristineIndex, indexDir, { recursive: true });
  await writeFile(path.join(indexDir, "CURRENT"), pointer);
  return indexDir;
}

async function expectCorruptCurrent(indexDir: string): Promise<void> {
  await expect(loadIndex(indexDir, local)).rejects.toMatchObject({
    code: "INDEX_CORRUPT",
    message: expect.stringContaining(path.join(indexDir, "CURRENT")),
    hint: expect.stringContaining("kb reindex --full"),
  });
}

describe("CURRENT names only a version inside versions/", () => {
  it("refuses ../../../etc", async () => {
    await expectCorruptCurrent(await indexPointingAt("../../../etc\n"));
  });

  it("refuses a climb out of versions/ to a real index planted elsewhere", async () => {
    const indexDir = path.join(workDir, `copy-${++copies}`);
    await cp(pristineIndex, indexDir, { recursive: true });
    // A complete, valid version outside the index folder, reachable only by climbing out.
    await cp(versionDirectory(pristineIndex, pristineVersion), path.join(workDir, "planted"), { recursive: true });
    await writeFile(path.join(indexDir, "CURRENT"), "../../planted\n");
    await expectCorruptCurrent(indexDir);
  });

  it("refuses an absolute path, even to a real version", async () => {
    await expectCorruptCurrent(await indexPointingAt(`${versionDirectory(pristineIndex, pristineVersion)}\n`));
  });

  it("refuses garbage, and `kb reindex --full` writes CURRENT again", async () => {
    const indexDir = await indexPointingAt("\u0000\u001b[31mnot a version at all\u001b[0m\n");
    await expectCorruptCurrent(indexDir);
    const { summary } = await buildIndex({ knowledgeDir: SEED_KNOWLEDGE_DIR, indexDir, embedder: local, full: true });
    expect(await readCurrentVersion(indexDir)).toBe(summary.version);
    expect((await loadIndex(indexDir, local)).version).toBe(summary.version);
  });

  it("refuses a CURRENT that is not a regular file", async () => {
    const indexDir = path.join(workDir, `copy-${++copies}`);
    await cp(pristineIndex, indexDir, { recursive: true });
    await rm(path.join(indexDir, "CURRENT"));
    await mkdir(path.join(indexDir, "CURRENT"));
    await expectCorruptCurrent(indexDir);
  });

  it("refuses a version name with a path inside it", async () => {
    await expectCorruptCurrent(await indexPointingAt(`${pristineVersion}/../${pristineVersion}\n`));
  });
});
