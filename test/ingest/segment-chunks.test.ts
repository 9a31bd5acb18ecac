/**
 * A full re-index segments each chunk once and derives the embedder's fit, its vectors and the
 * keyword index from the same term ids. Each must equal, term for term and bit for bit, what
 * segmenting every text again gives: the FAQ tables and the sample page shipped with the tests,
 * the documents, and sources made to probe the joins (a chunk running straight on from its title,
 * Latin words and digits, traditional characters, full-width forms, spaces and blank titles).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { SourceDoc } from "../../src/core/types.js";
import { LocalEmbeddings, TermIdCache } from "../../src/embeddings/local-embeddings.js";
import { embeddingText } from "../../src/ingest/embedding-text.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { parseFile } from "../../src/ingest/parse-file.js";
import { segmentChunks } from "../../src/ingest/segment-chunks.js";
import { NEVER_DUE, runSteps } from "../../src/core/build-pacer.js";
import { BuildPacer } from "../../src/core/build-pacer.js";
import { buildKeywordPostings, buildKeywordPostingsFromIdsPaced } from "../../src/store/keyword-postings.js";
import { mixedTerms } from "../../src/text/chinese-terms.js";
import { keywordDocument } from "../../src/text/keyword-terms.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { chunkRows, SEGMENT_PROBES } from "../support/segment-probes.js";

async function folderSources(): Promise<SourceDoc[]> {
  const fixtures = path.join(PROJECT_ROOT, "test/fixtures");
  const csvFiles = (await readdir(fixtures)).filter((name) => name.endsWith(".csv"));
  const sources: SourceDoc[] = [...(await loadKnowledge(SEED_KNOWLEDGE_DIR)).sources, ...(await loadKnowledge(path.join(fixtures, "documents"))).sources];
  for (const name of csvFiles) sources.push(...(await parseFile(await readFile(path.join(fixtures, name)), name, DEFAULT_INDEX_LIMITS)).sources);
  return [...sources, ...SEGMENT_PROBES];
}

describe("segmenting each chunk once", () => {
  it("gives every chunk the terms segmenting its texts again gives, and the same keyword postings, fit and vectors", async () => {
    const { rowSources, chunks } = chunkRows(await folderSources());
    expect(chunks.length).toBeGreaterThan(150);
    const { table, rows } = runSteps(segmentChunks(rowSources, chunks, NEVER_DUE));
    const termsOf = (ids: Int32Array) => Array.from(ids, (id) => table.terms[id]);
    const texts = chunks.map((chunk, row) => embeddingText(rowSources[row], chunk));
    chunks.forEach((chunk, row) => {
      const document = keywordDocument(rowSources[row], chunk);
      expect(termsOf(rows[row].title)).toEqual(document.titleTerms);
      expect(termsOf(rows[row].body)).toEqual(document.bodyTerms);
      expect(termsOf(rows[row].embedded)).toEqual(mixedTerms(texts[row]));
    });

    const fromIds = await buildKeywordPostingsFromIdsPaced(table.terms, rows, new BuildPacer());
    expect(fromIds).toEqual(buildKeywordPostings(chunks.map((chunk, row) => keywordDocument(rowSources[row], chunk))));

    const fitted = new LocalEmbeddings();
    await fitted.fit(texts);
    const fromTermIds = new LocalEmbeddings();
    await fromTermIds.fitTermIds(
      table.terms,
      rows.map((row) => row.embedded),
    );
    expect(fromTermIds.describe()).toEqual(fitted.describe());
    expect(fromTermIds.serializeModel().equals(fitted.serializeModel())).toBe(true);
    const cache = new TermIdCache(table.terms.length);
    rows.forEach((row, index) => {
      expect(Buffer.from(fromTermIds.embedTermIds(table.terms, row.embedded, cache).buffer)).toEqual(Buffer.from(fitted.embedText(texts[index]).buffer));
    });
  });
});
