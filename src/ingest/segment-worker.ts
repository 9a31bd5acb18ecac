/**
 * The segment thread's entry (started by segment-thread.ts): segments the rows it is sent (each
 * row's source title and chunk text) exactly as segmentChunks does, into its own term table, and
 * answers with the table's terms and the rows' term ids packed in blocks (see SegmentReply): a few
 * large transfers instead of three small arrays a row, and no second copy of every row's ids.
 */
import { parentPort } from "node:worker_threads";
import { NEVER_DUE, runSteps } from "../core/build-pacer.js";
import { segmenter } from "../text/chinese-terms.js";
import { type SegmentedChunk, segmentRows, TermTable } from "./segment-chunks.js";
import type { PackedRows, SegmentReply, SegmentRequest } from "./segment-thread.js";

/** Rows segmented and packed at a time: their unpacked arrays are garbage once packed. */
const BLOCK_ROWS = 1000;

const port = parentPort;
if (!port) throw new Error("segment-worker.ts runs as a worker thread (see segment-thread.ts)");

// jieba's dictionary is loaded now, while the build is still reading and chunking the folder.
segmenter();

port.once("message", ({ titles, texts }: SegmentRequest) => {
  try {
    const table = new TermTable();
    const blocks: PackedRows[] = [];
    for (let start = 0; start < texts.length; start += BLOCK_ROWS) {
      const end = Math.min(texts.length, start + BLOCK_ROWS);
      blocks.push(pack(runSteps(segmentRows(table, titles.slice(start, end), texts.slice(start, end), NEVER_DUE))));
    }
    const transfers = blocks.flatMap((block) => [block.keywordIds.buffer, block.embeddedIds.buffer, block.offsets.buffer]);
    port.postMessage({ ok: true, terms: table.terms, blocks } satisfies SegmentReply, transfers);
  } catch (error) {
    port.postMessage({ ok: false, message: (error as Error)?.stack ?? String(error) } satisfies SegmentReply);
  }
});

function pack(rows: SegmentedChunk[]): PackedRows {
  const offsets = new Int32Array(rows.length * 3 + 1);
  let keywordLength = 0;
  let embeddedLength = 0;
  rows.forEach((row, index) => {
    offsets[index * 3] = keywordLength;
    offsets[index * 3 + 1] = keywordLength += row.title.length;
    offsets[index * 3 + 2] = embeddedLength;
    keywordLength += row.body.length;
    embeddedLength += row.embedded.length;
  });
  offsets[rows.length * 3] = keywordLength;
  const keywordIds = new Int32Array(keywordLength);
  const embeddedIds = new Int32Array(embeddedLength);
  rows.forEach((row, index) => {
    keywordIds.set(row.title, offsets[index * 3]);
    keywordIds.set(row.body, offsets[index * 3 + 1]);
    embeddedIds.set(row.embedded, offsets[index * 3 + 2]);
  });
  return { keywordIds, embeddedIds, offsets };
}
