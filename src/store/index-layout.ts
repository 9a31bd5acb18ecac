/**
 * Where an index lives on disk. Each build writes a complete version directory; the one-line file
 * CURRENT names the version that serves. Switching is a rename of CURRENT, so a reader sees the
 * old version or the new one, never a half-written one.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export const INDEX_FILES = {
  manifest: "manifest.json",
  sources: "sources.json",
  chunks: "chunks.json",
  hnsw: "hnsw",
  keywords: "keywords.bin",
  embedderModel: "embedder-model.bin",
} as const;

export function versionsDirectory(indexDir: string): string {
  return path.join(indexDir, "versions");
}

export function versionDirectory(indexDir: string, version: string): string {
  return path.join(versionsDirectory(indexDir), version);
}

export function newVersionName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:TZ.]/g, "").slice(0, 17);
  return `v${stamp}-${randomBytes(3).toString("hex")}`;
}

/** The version CURRENT names, or null when no index has been built yet. */
export async function readCurrentVersion(indexDir: string): Promise<string | null> {
  try {
    const version = (await readFile(path.join(indexDir, "CURRENT"), "utf8")).trim();
    return version === "" ? null : version;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** Points CURRENT at a finished version with an atomic rename. */
export async function switchCurrentVersion(indexDir: string, version: string): Promise<void> {
  const temporary = path.join(indexDir, `CURRENT.${process.pid}.tmp`);
  await writeFile(temporary, `${version}\n`);
  await rename(temporary, path.join(indexDir, "CURRENT"));
}

/** A scratch directory for a build; renamed into place only when complete. */
export async function createStagingDirectory(indexDir: string, version: string): Promise<string> {
  const staging = path.join(versionsDirectory(indexDir), `${version}.partial`);
  await mkdir(staging, { recursive: true });
  return staging;
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
  const finished = entries.filter((name) => !name.endsWith(".partial") && name !== current).sort().reverse();
  const doomed = [...entries.filter((name) => name.endsWith(".partial")), ...finished.slice(keep)];
  await Promise.all(doomed.map((name) => rm(path.join(versionsDirectory(indexDir), name), { recursive: true, force: true })));
}
