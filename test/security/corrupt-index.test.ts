/**
 * A damaged index version is refused by name before any of it is parsed or read by hnswlib's
 * native code: random bytes in the middle of the HNSW graph, bytes flipped in keywords.bin, the
 * local embedder's model removed, chunks.json truncated, a value changed in the manifest, and a graph
 * whose header disagrees with the manifest. Each is INDEX_CORRUPT naming the file and
 * `kb reindex --full`. The server started on a damaged graph exits non-zero with one line on stderr,
 * never by a native crash.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cp, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIndex } from "../../src/ingest/build-index.js";
import { readCurrentVersion, versionDirectory } from "../../src/store/index-layout.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const local = { kind: "local" as const, batchSize: 64 };
const TSX_LOADER = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MAIN = path.join(PROJECT_ROOT, "src/main.ts");

let workDir: string;
let pristineIndex: string;
let copies = 0;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-corrupt-index-"));
  pristineIndex = path.join(workDir, "pristine");
  await buildIndex({ knowledgeDir: SEED_KNOWLEDGE_DIR, indexDir: pristineIndex, embedder: local });
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** A fresh copy of the built index, and the folder of its serving version. */
async function copyOfIndex(): Promise<{ indexDir: string; versionDir: string }> {
  const indexDir = path.join(workDir, `copy-${++copies}`);
  await cp(pristineIndex, indexDir, { recursive: true });
  return { indexDir, versionDir: versionDirectory(indexDir, (await readCurrentVersion(indexDir))!) };
}

/** Overwrites `length` bytes in the middle of a file with random ones. */
async function writeRandomBytesInMiddle(file: string, length = 256): Promise<void> {
  const { size } = await stat(file);
  const handle = await open(file, "r+");
  try {
    await handle.write(randomBytes(length), 0, length, Math.floor((size - length) / 2));
  } finally {
    await handle.close();
  }
}

/** Inverts a few bytes at three quarters of a file (its postings, for keywords.bin). */
async function flipBytes(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = Math.floor(bytes.length * 0.75);
  for (let offset = at; offset < at + 4; offset++) bytes[offset] ^= 0xff;
  await writeFile(file, bytes);
}

async function expectCorruptNaming(indexDir: string, file: string): Promise<void> {
  await expect(loadIndex(indexDir, local)).rejects.toMatchObject({
    code: "INDEX_CORRUPT",
    message: expect.stringContaining(file),
    hint: expect.stringContaining("kb reindex --full"),
  });
}

describe("a damaged index version is INDEX_CORRUPT naming the file", () => {
  it("random bytes in the middle of the HNSW graph file", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    await writeRandomBytesInMiddle(path.join(versionDir, "hnsw", "hnswlib.index"));
    await expectCorruptNaming(indexDir, "hnswlib.index");
  });

  it("bytes flipped in keywords.bin", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    await flipBytes(path.join(versionDir, "keywords.bin"));
    await expectCorruptNaming(indexDir, "keywords.bin");
  });

  it("the local embedder's model file removed", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    await rm(path.join(versionDir, "embedder-model.bin"));
    await expectCorruptNaming(indexDir, "embedder-model.bin");
  });

  it("chunks.json truncated", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    const file = path.join(versionDir, "chunks.json");
    await truncate(file, Math.floor((await stat(file)).size / 2));
    await expectCorruptNaming(indexDir, "chunks.json");
  });

  it("a count changed in manifest.json, the file still valid JSON", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    const file = path.join(versionDir, "manifest.json");
    const manifest = JSON.parse(await readFile(file, "utf8"));
    manifest.counts.chunks += 1;
    await writeFile(file, JSON.stringify(manifest));
    await expectCorruptNaming(indexDir, "manifest.json");
  });

  it("a graph whose header claims more elements than the manifest, even with its checksum recorded again", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    const graphFile = path.join(versionDir, "hnsw", "hnswlib.index");
    const graph = await readFile(graphFile);
    // cur_element_count, the third 8-byte field of hnswlib's header.
    graph.writeBigUInt64LE(graph.readBigUInt64LE(16) * 1000n, 16);
    await writeFile(graphFile, graph);
    // As a crafted index would: the manifest's record of the graph and its own checksum made to match.
    const manifestFile = path.join(versionDir, "manifest.json");
    const manifest = JSON.parse(await readFile(manifestFile, "utf8"));
    delete manifest.checksum;
    const record = (manifest.files ?? []).find((file: { path: string }) => file.path === "hnsw/hnswlib.index");
    if (record) record.sha256 = createHash("sha256").update(graph).digest("hex");
    const resealed = { ...manifest, checksum: createHash("sha256").update(JSON.stringify(manifest)).digest("hex") };
    await writeFile(manifestFile, JSON.stringify(resealed));
    await expectCorruptNaming(indexDir, "hnswlib.index");
  });
});

describe("a re-index over a damaged version", () => {
  it("does not reuse it: an incremental `kb reindex` rebuilds in full, and the result loads", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    await flipBytes(path.join(versionDir, "keywords.bin"));
    const knowledgeDir = path.join(workDir, `knowledge-${copies}`);
    await cp(SEED_KNOWLEDGE_DIR, knowledgeDir, { recursive: true });
    await writeFile(path.join(knowledgeDir, "library.md"), "# 月球图书馆借书期限\n\n月球图书馆的借书期限是四十五天，到期前可以续借一次。\n");

    const { summary } = await buildIndex({ knowledgeDir, indexDir, embedder: local });
    expect(summary.full).toBe(true);
    expect(summary.embeddedChunks).toBe(summary.chunks);
    const rebuilt = await loadIndex(indexDir, local);
    expect(rebuilt.version).toBe(summary.version);
    expect(rebuilt.sources.has("library.md")).toBe(true);
  });
});

interface ExitedProcess {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs src/main.ts as `npm start` does. Should it start serving instead of refusing, one question
 * is asked, which is where a damaged graph crashes the process natively; then it is stopped.
 */
async function runMainUntilExit(environment: Record<string, string>, workingDirectory: string): Promise<ExitedProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], {
    cwd: workingDirectory,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? workingDirectory, ...environment },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const serving = (async () => {
    for (;;) {
      // The log goes to stderr.
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"serving on/.exec(stderr);
      if (match) return match[1];
      if (child.exitCode !== null || child.signalCode !== null) return null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const url = await Promise.race([serving, exited.then(() => null)]);
  if (url) {
    await fetch(`${url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "五指山在哪个省" }),
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  return { ...(await exited), stdout, stderr };
}

describe("npm start on a damaged index", () => {
  it("exits non-zero with one line naming the file and the fix, never by a native crash", async () => {
    const { indexDir, versionDir } = await copyOfIndex();
    await writeRandomBytesInMiddle(path.join(versionDir, "hnsw", "hnswlib.index"));
    const result = await runMainUntilExit({ KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR, INDEX_DIR: indexDir, HOST: "127.0.0.1", PORT: "0" }, workDir);

    expect(result.signal, `ended by a signal; stderr:\n${result.stderr}`).toBeNull();
    expect(result.stderr).not.toContain("serving on");
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split("\n");
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toContain("INDEX_CORRUPT");
    expect(lines[0]).toContain("hnswlib.index");
    expect(lines[0]).toContain("kb reindex --full");
    // Refused, not rebuilt: the damaged version is still the one CURRENT names.
    expect(versionDirectory(indexDir, (await readCurrentVersion(indexDir))!)).toBe(versionDir);
  }, 60_000);
});
