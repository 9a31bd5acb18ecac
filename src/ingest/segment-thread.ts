/**
 * Segmenting on both cores. Segmenting every chunk (normalizing, jieba, bigrams) is the longest
 * step of a full re-index before its graph can be built (1.1–1.7 s for medqa, seconds more at
 * 100k chunks), and it ran on one thread while the other core idled. Here a worker thread segments
 * the later rows while the build's thread segments the earlier ones (paced, so the server keeps
 * answering); the worker's term ids are then renumbered into the build's table. Terms the worker
 * met first are added in the order it met them, which is the order one thread meets them in, so
 * the table, every row's ids and the index are byte for byte what segmenting on one thread gives.
 *
 * The worker is started before the folder is chunked, so loading jieba's dictionary is done by the
 * time rows arrive. From compiled code the worker is `segment-worker.js` beside this file; run from
 * source (vitest, tsx) it is the .ts file, loaded through tsx's loader as parse-thread.ts does.
 */
import { Worker } from "node:worker_threads";
import type { Chunk, SourceDoc } from "../core/types.js";
import { type BuildPacer, interruptionError } from "../core/build-pacer.js";
import { type SegmentedChunk, type SegmentedChunks, segmentRows, TermTable } from "./segment-chunks.js";

/** The rows the worker segments: each row's source title and chunk text. */
export interface SegmentRequest {
  titles: string[];
  texts: string[];
}

/**
 * A block of rows' term ids packed. Row r of the block has its title ids at keywordIds[offsets[3r]
 * .. offsets[3r + 1]), its body ids from there to offsets[3r + 3] (the next row's start; the last
 * entry closes the block), and its embedded ids at embeddedIds[offsets[3r + 2] .. the next row's
 * offsets[3r + 2], or the array's end). The embedded ids are apart so they can be dropped once
 * the vectors are made.
 */
export interface PackedRows {
  keywordIds: Int32Array<ArrayBuffer>;
  embeddedIds: Int32Array<ArrayBuffer>;
  offsets: Int32Array<ArrayBuffer>;
}

/** The worker's table, and its rows in blocks, in order. */
export type SegmentReply = { ok: true; terms: string[]; blocks: PackedRows[] } | { ok: false; message: string };

/** Share of the rows the worker takes; the build's thread also paces itself and serves requests. */
const WORKER_SHARE = 0.5;
/** Below this many rows one thread is quicker than handing rows over. */
const MIN_ROWS_TO_SHARE = 2000;

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./segment-worker.ts" : "./segment-worker.js", import.meta.url);

/** A segment thread, started ahead of the rows it will be given; used once. */
export class SegmentThread {
  private readonly worker: Worker;
  private readonly exited: Promise<string>;

  constructor() {
    if (FROM_SOURCE) {
      const tsx = import.meta.resolve("tsx/esm/api");
      this.worker = new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`, {
        eval: true,
      });
    } else this.worker = new Worker(WORKER_URL);
    // Whatever ends the worker early is reported by the segment() waiting on it.
    this.exited = new Promise((resolve) => {
      this.worker.once("error", (error) => resolve(`the segment thread stopped: ${error.message}`));
      this.worker.once("exit", (code) => resolve(`the segment thread exited with code ${code}`));
    });
  }

  /** Segments the rows on the worker into a table of its own; the worker ends when it answers. */
  segment(request: SegmentRequest, signal?: AbortSignal): Promise<Extract<SegmentReply, { ok: true }>> {
    if (signal?.aborted) {
      this.stop();
      return Promise.reject(interruptionError(signal.reason));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.stop();
        reject(interruptionError(signal?.reason));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const settle = (reply: SegmentReply) => {
        signal?.removeEventListener("abort", onAbort);
        this.stop();
        if (reply.ok) resolve(reply);
        else reject(new Error(`segmenting on the segment thread failed: ${reply.message}`));
      };
      this.worker.once("message", settle);
      void this.exited.then((message) => settle({ ok: false, message }));
      this.worker.postMessage(request);
    });
  }

  stop(): void {
    void this.worker.terminate();
  }
}

/**
 * segmentChunks on two threads: `thread` segments the later rows while this thread segments the
 * earlier ones through `pacer`. The same table and rows as segmentChunks gives.
 */
export async function segmentChunksOnTwoThreads(rowSources: SourceDoc[], chunks: Chunk[], pacer: BuildPacer, thread: SegmentThread): Promise<SegmentedChunks> {
  const table = new TermTable();
  if (chunks.length < MIN_ROWS_TO_SHARE) {
    thread.stop();
    return { table, rows: await pacer.drive(segmentRows(table, rowSources.map(titleOf), chunks.map(textOf), pacer.due)) };
  }
  const split = Math.round(chunks.length * (1 - WORKER_SHARE));
  const later = thread.segment({ titles: rowSources.slice(split).map(titleOf), texts: chunks.slice(split).map(textOf) }, pacer.signal);
  // An abort rejects it while this thread is still segmenting: handled here, awaited below.
  later.catch(() => undefined);
  let earlier: SegmentedChunk[];
  try {
    earlier = await pacer.drive(segmentRows(table, rowSources.slice(0, split).map(titleOf), chunks.slice(0, split).map(textOf), pacer.due));
  } catch (error) {
    thread.stop();
    throw error;
  }
  const reply = await later;
  return { table, rows: earlier.concat(await pacer.drive(renumberRows(table, reply, pacer.due))) };
}

const titleOf = (source: SourceDoc) => source.title;
const textOf = (chunk: Chunk) => chunk.text;

/** The worker's rows with its term ids replaced by `table`'s (which takes in the terms it lacks). */
function* renumberRows(table: TermTable, { terms, blocks }: Extract<SegmentReply, { ok: true }>, due: () => boolean): Generator<void, SegmentedChunk[], void> {
  const idInTable = table.idsOf(terms);
  const rows: SegmentedChunk[] = [];
  for (const { keywordIds, embeddedIds, offsets } of blocks) {
    for (let index = 0; index < keywordIds.length; index++) keywordIds[index] = idInTable[keywordIds[index]];
    for (let index = 0; index < embeddedIds.length; index++) embeddedIds[index] = idInTable[embeddedIds[index]];
    const rowCount = (offsets.length - 1) / 3;
    for (let row = 0; row < rowCount; row++) {
      const embeddedEnd = row + 1 < rowCount ? offsets[row * 3 + 5] : embeddedIds.length;
      rows.push({
        title: keywordIds.subarray(offsets[row * 3], offsets[row * 3 + 1]),
        body: keywordIds.subarray(offsets[row * 3 + 1], offsets[row * 3 + 3]),
        embedded: embeddedIds.subarray(offsets[row * 3 + 2], embeddedEnd),
      });
    }
    if (due()) yield;
  }
  return rows;
}
