/**
 * A full re-index builds its HNSW graph on a worker thread. The files it saves must be the files
 * the graph built on the calling thread saves, byte for byte (the same vectors, labels, parameters
 * and insertion order make the same graph), and an aborted build stops the thread with
 * REINDEX_INTERRUPTED.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalEmbeddings } from "../../src/embeddings/local-embeddings.js";
import { buildVectorStore, type LabelledVector, saveNewGraph } from "../../src/store/vector-store.js";

const DIMENSIONS = 32;
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), "kb-graph-thread-"));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

/** Deterministic unit vectors, labels with a gap (as after deletions). */
function entries(count: number): LabelledVector[] {
  let state = 12345;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1;
  return Array.from({ length: count }, (_, position) => {
    const vector = Float32Array.from({ length: DIMENSIONS }, random);
    const norm = Math.hypot(...vector);
    vector.forEach((value, index) => (vector[index] = value / norm));
    const label = position < count / 2 ? position : position + 7;
    return { label, vector, chunk: { chunkId: `s${position}#0`, sourceId: `s${position}`, index: 0, text: "" } };
  });
}

describe("the graph built on its thread", () => {
  it("saves the same three files, byte for byte, as the graph built here", async () => {
    const graph = entries(600);
    const embeddings = new LocalEmbeddings({ dimensions: DIMENSIONS });
    const here = path.join(workDir, "here");
    const onThread = path.join(workDir, "thread");
    await (await buildVectorStore(embeddings, graph, DIMENSIONS)).save(here);
    await mkdir(onThread, { recursive: true });
    await saveNewGraph(onThread, embeddings, graph, DIMENSIONS);
    for (const file of ["hnswlib.index", "args.json", "docstore.json"]) {
      expect((await readFile(path.join(onThread, file))).equals(await readFile(path.join(here, file))), file).toBe(true);
    }
  });

  it("stops with REINDEX_INTERRUPTED when the build is aborted", async () => {
    const controller = new AbortController();
    const directory = path.join(workDir, "aborted");
    await mkdir(directory, { recursive: true });
    const saving = saveNewGraph(directory, new LocalEmbeddings({ dimensions: DIMENSIONS }), entries(20_000), DIMENSIONS, controller.signal);
    controller.abort("stopped by the test");
    await expect(saving).rejects.toMatchObject({ code: "REINDEX_INTERRUPTED" });
  });
});
