/** Sources for the segmentation tests, and the rows a build makes of them. */
import type { Chunk, SourceDoc } from "../../src/core/types.js";
import { chunkSource, DEFAULT_CHUNK_OPTIONS } from "../../src/ingest/chunk-text.js";
import { withHash } from "../../src/ingest/source-hash.js";

const source = (sourceId: string, title: string, text: string, question?: string): SourceDoc =>
  withHash({ sourceId, file: `${sourceId}.md`, title, text, kind: question ? "faq" : "markdown", disclaimer: false, ...(question ? { question } : {}) });

/** Sources whose chunks meet their titles in every way a join can. */
export const SEGMENT_PROBES: readonly SourceDoc[] = [
  source("straight-on", "门诊时间", "门诊时间表每周更新，周六上午开放。"),
  source("latin", "COVID-19 疫苗 v2.1", "COVID-19疫苗第2.1版：接种后 30 分钟留观。"),
  source("traditional", "醫保卡補辦", "醫保卡遺失後可到社保中心補辦，ＡＢＣ全角字母。"),
  source("spaces", "  标题前后有空格  ", "  正文也有空格。\n\n第二段落。  "),
  source("empty-title", "", "没有标题的正文。"),
  source("faq", "高血压能吃党参吗", "高血压病人可以口服党参的。", "高血压能吃党参吗"),
  source("title-only", "只有标题", "只有标题"),
  source("crlf", "换行\r", "\r\n正文在回车换行之后。Σ ΣΑΣ"),
];

/** Each chunk of `sources` with its source, as a build lines them up; repeated until there are `minimum` rows. */
export function chunkRows(sources: readonly SourceDoc[], minimum = 1): { rowSources: SourceDoc[]; chunks: Chunk[] } {
  const rowSources: SourceDoc[] = [];
  const chunks: Chunk[] = [];
  do
    for (const item of sources)
      for (const chunk of chunkSource(item, DEFAULT_CHUNK_OPTIONS)) {
        rowSources.push(item);
        chunks.push(chunk);
      }
  while (chunks.length < minimum && sources.length > 0);
  return { rowSources, chunks };
}
