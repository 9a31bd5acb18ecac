/**
 * Where an index lives on disk. Each build writes a complete version directory; the one-line file
 * CURRENT names the version that serves. Switching is a rename of CURRENT, so a reader sees the
 * old version or the new one, never a half-written one.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { writingTo } from "./disk-full.js";
import { KnowledgeBotError } from "../core/errors.js";

export const INDEX_FILES = {
  manifest: "manifest.json",
  sources: "sources.json",
  chunks: "chunks.json",
  hnsw: "hnsw",
  keywords: "keywords.bin",
  embedderModel: "embedder-model.bin",
  /** A folder of kept parses of knowledge documents, reused by the next re-index. */
  parsed: "parsed",
} as const;

export function versionsDirectory(indexDir: string): string {
  return path.join(indexDir, "versions");
}

export function versionDirectory(indexDir: string, version: string): string {
  return path.join(versionsDirectory(indexDir), version);
}

export function newVersionName(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:TZ.]/g, "")
    .slice(0, 17);
  return `v${stamp}-${randomBytes(3).toString("hex")}`;
}

/** What newVersionName makes: `v`, the build time's digits, `-`, random hex. Nothing else may be followed. */
const VERSION_NAME = /^v[0-9]{1,32}-[0-9a-f]{1,32}$/;
/** CURRENT holds one version name; anything longer is not read whole. */
const CURRENT_MAX_BYTES = 256;

/**
 * CURRENT's text as written (trimmed), without checking it; null when there is no CURRENT yet.
 * The index watcher uses it to tell one bad pointer from the next without reloading each time.
 */
export async function readCurrentPointer(indexDir: string): Promise<string | null> {
  const file = path.join(indexDir, "CURRENT");
  let handle;
  try {
    // Only a regular file is opened: a FIFO or device in its place would block or never end.
    if (!(await stat(file)).isFile()) throw currentCorrupt(indexDir, "it is not a regular file");
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    if (error instanceof KnowledgeBotError) throw error;
    throw currentCorrupt(indexDir, `it cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const buffer = Buffer.alloc(CURRENT_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.toString("utf8", 0, bytesRead).trim();
  } finally {
    await handle.close();
  }
}

/**
 * The version CURRENT names, or null when no index has been built yet. CURRENT is a file on disk
 * like any other, so it is checked before it becomes a path: only a version name (no separators,
 * no `..`, nothing absolute) is accepted, anything else is INDEX_CORRUPT naming CURRENT.
 */
export async function readCurrentVersion(indexDir: string): Promise<string | null> {
  const version = await readCurrentPointer(indexDir);
  if (version === null || version === "") return null;
  if (!VERSION_NAME.test(version)) {
    const shown = JSON.stringify(version.length > 40 ? `${version.slice(0, 40)}…` : version);
    throw currentCorrupt(indexDir, `it holds ${shown}, not a version name (like v20250101120000000-a1b2c3, a folder in versions/)`);
  }
  return version;
}

function currentCorrupt(indexDir: string, problem: string): KnowledgeBotError {
  return new KnowledgeBotError(
    "INDEX_CORRUPT",
    `${path.join(indexDir, "CURRENT")} does not name an index version: ${problem}`,
    "Rebuild the index with `kb reindex --full`, which writes CURRENT again.",
  );
}

/** Points CURRENT at a finished version with an atomic rename. */
export async function switchCurrentVersion(indexDir: string, version: string): Promise<void> {
  const temporary = path.join(indexDir, `CURRENT.${process.pid}.tmp`);
  try {
    await writingTo(temporary, writeFile(temporary, `${version}\n`));
  } catch (error) {
    // CURRENT itself was not touched: the version serving before still serves.
    await rm(temporary, { force: true });
    throw error;
  }
  await rename(temporary, path.join(indexDir, "CURRENT"));
}

/** A scratch directory for a build; renamed into place only when complete. */
export async function createStagingDirectory(indexDir: string, version: string): Promise<string> {
  const staging = stagingDirectory(indexDir, version);
  await writingTo(staging, mkdir(staging, { recursive: true }));
  return staging;
}

function stagingDirectory(indexDir: string, version: string): string {
  return path.join(versionsDirectory(indexDir), `${version}${STAGING_SUFFIX}`);
}

const STAGING_SUFFIX = ".partial";
const CURRENT_TEMPORARY = /^CURRENT\..*\.tmp$/;

/** Removes the staging directory of a build that failed or was interrupted (if it got that far). */
export async function removeStagingDirectory(indexDir: string, version: string): Promise<void> {
  await rm(stagingDirectory(indexDir, version), { recursive: true, force: true });
}

/**
 * Removes what killed builds leave behind: staging directories and temporary CURRENT files. Only
 * the holder of the re-index lock may call this: no other build is then alive to own them.
 */
export async function removeDeadBuilds(indexDir: string): Promise<void> {
  const [versions, files] = await Promise.all([readdir(versionsDirectory(indexDir)).catch(() => []), readdir(indexDir).catch(() => [])]);
  await Promise.all([
    ...versions
      .filter((name) => name.endsWith(STAGING_SUFFIX))
      .map((name) => rm(path.join(versionsDirectory(indexDir), name), { recursive: true, force: true })),
    ...files.filter((name) => CURRENT_TEMPORARY.test(name)).map((name) => rm(path.join(indexDir, name), { force: true })),
  ]);
}

export async function publishStagingDirectory(indexDir: string, staging: string, version: string): Promise<void> {
  await rename(staging, versionDirectory(indexDir, version));
}

/**
 * Removes unfinished builds (left by a crash) and all but the newest `keep` finished versions that
 * are not current. The previous version is kept so a reader that started on it can finish.
 */
export async function pruneVersions(indexDir: string, current: string, keep = 1): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(versionsDirectory(indexDir));
  } catch {
    return;
  }
  const finished = entries
    .filter((name) => !name.endsWith(STAGING_SUFFIX) && name !== current)
    .sort()
    .reverse();
  const doomed = [...entries.filter((name) => name.endsWith(STAGING_SUFFIX)), ...finished.slice(keep)];
  await Promise.all(doomed.map((name) => rm(path.join(versionsDirectory(indexDir), name), { recursive: true, force: true })));
}
