/** A real index of the medqa corpus, built in a temporary folder for one eval suite. */
import { cp, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadIndex, type LoadedIndex } from "../../src/store/loaded-index.js";
import { EVAL_DIR } from "./eval-dir.js";

const local = { kind: "local" as const, batchSize: 64 };

export async function buildMedqaIndex(): Promise<{ index: LoadedIndex; cleanup(): Promise<void> }> {
  const work = await mkdtemp(path.join(os.tmpdir(), "kb-eval-"));
  await mkdir(path.join(work, "knowledge"));
  await cp(path.join(EVAL_DIR, "corpus.csv"), path.join(work, "knowledge/corpus.csv"));
  await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: local });
  const index = await loadIndex(path.join(work, "index"), local);
  return { index, cleanup: () => rm(work, { recursive: true, force: true }) };
}

export async function readDevQueryLines(): Promise<string[]> {
  return (await readFile(path.join(EVAL_DIR, "dev-queries.jsonl"), "utf8")).trim().split("\n");
}
