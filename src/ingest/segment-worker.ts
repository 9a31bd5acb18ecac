/**
 * The segment thread's entry (started by segment-thread.ts): segments the rows it is sent (each
 * row's source title and chunk text) exactly as segmentChunks does, into its own term table, and
 * answers with the table's terms and every row's term ids packed in one array, so the answer is
 * one transfer rather than three small arrays a row.
 */
import { parentPort } from "node:worker_threads";
import { NEVER_DUE, runSteps } from "../core/build-pacer.js";
import { segmenter } from "../text/chinese-terms.js";
import { segmentRows, TermTable } from "./segment-chunks.js";
import type { SegmentReply, SegmentRequest } from "./segment-thread.js";

const port = parentPort;
if (!port) throw new Error("segment-worker.ts runs as a worker thread (see segment-thread.ts)");

// jieba's dictionary is loaded now, while the build is still reading and chunking the folder.
segmenter();

port.once("message", ({ titles, texts }: SegmentRequest) => {
  try {
    const table = new TermTable();
    const rows = runSteps(segmentRows(table, titles, texts, NEVER_DUE));
    const offsets = new Int32Array(rows.length * 3 + 1);
    let length = 0;
    rows.forEach((row, index) => {
      offsets[index * 3] = length;
      offsets[index * 3 + 1] = length += row.title.length;
      offsets[index * 3 + 2] = length += row.body.length;
      length += row.embedded.length;
    });
    offsets[rows.length * 3] = length;
    const ids = new Int32Array(length);
    rows.forEach((row, index) => {
      ids.set(row.title, offsets[index * 3]);
      ids.set(row.body, offsets[index * 3 + 1]);
      ids.set(row.embedded, offsets[index * 3 + 2]);
    });
    port.postMessage({ ok: true, terms: table.terms, ids, offsets } satisfies SegmentReply, [ids.buffer, offsets.buffer]);
  } catch (error) {
    port.postMessage({ ok: false, message: (error as Error)?.stack ?? String(error) } satisfies SegmentReply);
  }
});
