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
import type { Chunk, SourceDoc } from "../../src/core/types.js";
import { LocalEmbeddings, TermIdCache } from "../../src/embeddings/local-embeddings.js";
import { chunkSource, DEFAULT_CHUNK_OPTIONS } from "../../src/ingest/chunk-text.js";
import { embeddingText } from "../../src/ingest/embedding-text.js";
import { DEFAULT_INDEX_LIMITS } from "../../src/ingest/index-limits.js";
import { loadKnowledge } from "../../src/ingest/load-knowledge.js";
import { parseFile } from "../../src/ingest/parse-file.js";
import { segmentChunks } from "../../src/ingest/segment-chunks.js";
import { withHash } from "../../src/ingest/source-hash.js";
import { NEVER_DUE, runSteps } from "../../src/core/build-pacer.js";
import { BuildPacer } from "../../src/core/build-pacer.js";
import { buildKeywordPostings, buildKeywordPostingsFromIdsPaced } from "../../src/store/keyword-postings.js";
import { mixedTerms } from "../../src/text/chinese-terms.js";
import { keywordDocument } from "../../src/text/keyword-terms.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const source = (sourceId: string, title: string, text: string, question?: string): SourceDoc =>
  withHash({ sourceId, file: `${sourceId}.md`, title, text, kind: question ? "faq" : "markdown", disclaimer: false, ...(question ? { question } : {}) });

/** Sources whose chunks meet their titles in every way a join can. */
const PROBES: SourceDoc[] = [
  source("straight-on", "门诊时间", "门诊时间表每周更新，周六上午开放。"),
  source("latin", "COVID-19 疫苗 v2.1", "COVID-19疫苗第2.1版：接种后 30 分钟留观。"),
  source("traditional", "醫保卡補辦", "醫保卡遺失後可到社保中心補辦，ＡＢＣ全角字母。"),
  source("spaces", "  标题前后有空格  ", "  正文也有空格。\n\n第二段落。  "),
  source("empty-title", "", "没有标题的正文。"),
  source("faq", "高血压能吃党参吗", "高血压病人可以口服党参的。", "高血压能吃党参吗"),
  source("title-only", "只有标题", "只有标题"),
  source("crlf", "换行\r", "\r\n正文在回车换行之后。Σ ΣΑΣ"),
];

async function folderSources(): Promise<SourceDoc[]> {
  const fixtures = path.join(PROJECT_ROOT, "test/fixtures");
  const csvFiles = (await readdir(fixtures)).filter((name) => name.endsWith(".csv"));
  const sources: SourceDoc[] = [...(await loadKnowledge(SEED_KNOWLEDGE_DIR)).sources, ...(await loadKnowledge(path.join(fixtures, "documents"))).sources];
  for (const name of csvFiles) sources.push(...(await parseFile(await readFile(path.join(fixtures, name)), name, DEFAULT_INDEX_LIMITS)).sources);
  return [...sources, ...PROBES];
}

function rowsOf(sources: SourceDoc[]): { rowSources: SourceDoc[]; chunks: Chunk[] } {
  const rowSources: SourceDoc[] = [];
  const chunks: Chunk[] = [];
  for (const item of sources) {
    for (const chunk of chunkSource(item, DEFAULT_CHUNK_OPTIONS)) {
      rowSources.push(item);
      chunks.push(chunk);
    }
  }
  return { rowSources, chunks };
}

describe("segmenting each chunk once", () => {
  it("gives every chunk the terms segmenting its texts again gives, and the same keyword postings, fit and vectors", async () => {
    const { rowSources, chunks } = rowsOf(await folderSources());
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
