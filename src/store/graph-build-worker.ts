/**
 * The graph thread's entry (started by graph-build-thread.ts): inserts every vector into a new
 * HNSW graph and writes it to the file it is given, then answers. Inserting is the longest single
 * step of a full re-index (seconds at 7k chunks, a minute at 100k), so it runs beside the server's
 * thread, which meanwhile builds the keyword index and writes the other files.
 */
import { parentPort } from "node:worker_threads";
import hnswlib from "hnswlib-node";
import type { GraphBuildReply, GraphBuildRequest } from "./graph-build-thread.js";

const port = parentPort;
if (!port) throw new Error("graph-build-worker.ts runs as a worker thread (see graph-build-thread.ts)");

port.once("message", async (request: GraphBuildRequest) => {
  try {
    const { space, dimensions, M, efConstruction, randomSeed, capacity, labels, vectors, file } = request;
    const index = new hnswlib.HierarchicalNSW(space, dimensions);
    index.initIndex(capacity, M, efConstruction, randomSeed);
    const point = new Array<number>(dimensions);
    for (let position = 0; position < labels.length; position++) {
      for (let column = 0; column < dimensions; column++) point[column] = vectors[position * dimensions + column];
      index.addPoint(point, labels[position]);
    }
    await index.writeIndex(file);
    port.postMessage({ ok: true } satisfies GraphBuildReply);
  } catch (error) {
    port.postMessage({ ok: false, message: (error as Error)?.stack ?? String(error) } satisfies GraphBuildReply);
  }
});
