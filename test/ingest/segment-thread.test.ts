/**
 * A full re-index segments its later rows on a worker thread while the build's thread segments
 * the earlier ones. Every row must get the term ids segmentChunks gives it on one thread, so the
 * keyword postings, the embedder's fit and every vector come out the same byte for byte; an
 * aborted build stops the thread with REINDEX_INTERRUPTED.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Chunk, SourceDoc } from "../../src/core/types.js";
import { BuildPacer, NEVER_DUE, runSteps } from "../../src/core/build-pacer.js";
import { LocalEmbeddings, TermIdCache } from "../../src/embeddings/local-embeddings.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { segmentChunks, type SegmentedChunks } from "../../src/ingest/segment-chunks.js";
import { segmentChunksOnTwoThreads, SegmentThread } from "../../src/ingest/segment-thread.js";
import { buildKeywordPostingsFromIdsPaced } from "../../src/store/keyword-postings.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { chunkRows, SEGMENT_PROBES } from "../support/segment-probes.js";

/** The seed folder, the documents and the probes, repeated until there are enough rows to share. */
async function rows(minimum: number): Promise<{ rowSources: SourceDoc[]; chunks: Chunk[] }> {
  const sources = [
    ...(await loadKnowledge(SEED_KNOWLEDGE_DIR)).sources,
    ...(await loadKnowledge(path.join(PROJECT_ROOT, "test/fixtures/documents"))).sources,
    ...SEGMENT_PROBES,
  ];
  return chunkRows(sources, minimum);
}

describe("segmenting on two threads", () => {
  it("gives every row the terms one thread gives, and the same keyword postings, fit and vectors", async () => {
    // Enough rows for the worker's half to come back in more than one block.
    const { rowSources, chunks } = await rows(3000);
    const oneThread = runSteps(segmentChunks(rowSources, chunks, NEVER_DUE));
    const twoThreads = await segmentChunksOnTwoThreads(rowSources, chunks, new BuildPacer(), new SegmentThread());
    expect(twoThreads.rows).toHaveLength(chunks.length);
    // The worker's terms are renumbered into the table in the order one thread first meets them,
    // so the table and every row's ids are the ones one thread gives.
    expect(twoThreads.table.terms).toEqual(oneThread.table.terms);
    const allIds = ({ rows: segmentedRows }: SegmentedChunks, field: "title" | "body" | "embedded") =>
      Buffer.concat(segmentedRows.flatMap((row) => [Buffer.from(Int32Array.of(row[field].length).buffer), Buffer.from(Int32Array.from(row[field]).buffer)]));
    for (const field of ["title", "body", "embedded"] as const) expect(allIds(twoThreads, field).equals(allIds(oneThread, field)), field).toBe(true);

    const pacer = new BuildPacer();
    expect(await buildKeywordPostingsFromIdsPaced(twoThreads.table.terms, twoThreads.rows, pacer)).toEqual(
      await buildKeywordPostingsFromIdsPaced(oneThread.table.terms, oneThread.rows, pacer),
    );
    const fitted = async ({ table, rows: segmentedRows }: SegmentedChunks) => {
      const embedder = new LocalEmbeddings();
      await embedder.fitTermIds(
        table.terms,
        segmentedRows.map((row) => row.embedded),
      );
      const cache = new TermIdCache(table.terms.length);
      const vectors = Buffer.concat(segmentedRows.map((row) => Buffer.from(embedder.embedTermIds(table.terms, row.embedded, cache).buffer)));
      return { model: embedder.serializeModel(), vectors };
    };
    const [one, two] = [await fitted(oneThread), await fitted(twoThreads)];
    expect(two.model.equals(one.model)).toBe(true);
    expect(two.vectors.equals(one.vectors)).toBe(true);
    // Segmenting 3,000 rows twice and parsing the documents takes seconds alone, minutes on a loaded machine.
  }, 180_000);

  it("stops with REINDEX_INTERRUPTED when the build is aborted", async () => {
    const { rowSources, chunks } = await rows(3000);
    const controller = new AbortController();
    const segmenting = segmentChunksOnTwoThreads(rowSources, chunks, new BuildPacer(controller.signal), new SegmentThread());
    controller.abort("stopped by the test");
    await expect(segmenting).rejects.toMatchObject({ code: "REINDEX_INTERRUPTED" });
  });
});
