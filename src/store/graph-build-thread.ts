/**
 * Builds a new HNSW graph on a worker thread and writes it to a file, so the thread that serves
 * questions (and runs the rest of the build) is free meanwhile and a 2-core machine uses both.
 * The result is the graph buildVectorStore makes with the same vectors, labels and parameters.
 * An abort ends the worker and rejects with the build's interruption.
 *
 * From compiled code the worker is `graph-build-worker.js` beside this file; run from source
 * (vitest, tsx) it is the .ts file, loaded through tsx's loader as parse-thread.ts does.
 */
import { Worker } from "node:worker_threads";
import { interruptionError } from "../core/build-pacer.js";

export interface GraphBuildRequest {
  space: "cosine";
  dimensions: number;
  M: number;
  efConstruction: number;
  randomSeed: number;
  capacity: number;
  /** Label of each vector. */
  labels: Int32Array<ArrayBuffer>;
  /** The vectors one after another, `dimensions` floats each. */
  vectors: Float32Array<ArrayBuffer>;
  /** Where the graph is written (hnswlib's own format). */
  file: string;
}

export type GraphBuildReply = { ok: true } | { ok: false; message: string };

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./graph-build-worker.ts" : "./graph-build-worker.js", import.meta.url);

function startWorker(): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL);
  const tsx = import.meta.resolve("tsx/esm/api");
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, { eval: true });
}

/** Builds and writes the graph; the vectors' and labels' memory is moved to the worker. */
export function buildGraphFileOnThread(request: GraphBuildRequest, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(interruptionError(signal.reason));
  const worker = startWorker();
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onAbort = () => finish(interruptionError(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.once("message", (reply: GraphBuildReply) => finish(reply.ok ? undefined : new Error(`building the HNSW graph failed: ${reply.message}`)));
    worker.once("error", (error) => finish(new Error(`the graph thread stopped: ${error.message}`, { cause: error })));
    worker.once("exit", (code) => finish(new Error(`the graph thread exited with code ${code}`)));
    worker.postMessage(request, [request.labels.buffer, request.vectors.buffer]);
  });
}
