/**
 * A real index of a small knowledge folder, for retrieval tests: each file is written into a fresh
 * temporary folder (its text, or a copy of a project file), indexed with the local embedder on disk
 * and loaded. `remove` deletes the folder; call it in afterAll.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "./test-knowledge-bot.js";

export const LOCAL_EMBEDDER = { kind: "local" as const, batchSize: 64 };

/** A file's text, or `{ copyOf }`: a path relative to the project root. */
export type FolderFile = string | { copyOf: string };

export async function indexOfFolder(files: Record<string, FolderFile>): Promise<{ index: LoadedIndex; remove: () => Promise<void> }> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-folder-index-"));
  const knowledgeDir = path.join(work, "knowledge");
  const indexDir = path.join(work, "index");
  await mkdir(knowledgeDir);
  for (const [name, file] of Object.entries(files)) {
    const target = path.join(knowledgeDir, name);
    if (typeof file === "string") await writeFile(target, file);
    else await cp(path.join(PROJECT_ROOT, file.copyOf), target);
  }
  await buildIndex({ knowledgeDir, indexDir, embedder: LOCAL_EMBEDDER });
  return { index: await loadIndex(indexDir, LOCAL_EMBEDDER), remove: () => rm(work, { recursive: true, force: true }) };
}
