/**
 * `GET /kb/:sourceId`: the bot's own page for a source without a URL of its own. Citations link
 * here with `#chunk-n`; the anchored chunk is highlighted with CSS `:target`, so no script is needed.
 * A paged document (PDF, deck) also gets `#page-n` / `#slide-n` markers, which its citations link
 * to, short heading-like lines as headings, and, when original files are served, a link to download it.
 */
import path from "node:path";
import type { Chunk, SourceDoc } from "../core/types.js";
import { escapeHtml } from "./escape-html.js";
import { renderPage } from "./page-layout.js";
import { readTableRow, renderTable, sameColumns, type TableRow } from "./table-rows.js";

const SOURCE_CSS = `
article h1{font-size:24px;line-height:1.4;margin:0 0 8px}
.meta{display:flex;flex-wrap:wrap;gap:6px 16px;color:#6b7280;font-size:14px;margin-bottom:12px}
.chunk p{margin:0 0 10px;white-space:pre-line}
.chunk p:last-child{margin-bottom:0}
.chunk{padding:10px 14px;margin:0 -14px;border-left:4px solid transparent;border-radius:6px;scroll-margin-top:24px}
.chunk:target{background:#fff6d5;border-left-color:#e0a800}
.chunk-label{display:block;font-size:12px;color:#9aa0a6}
.chunk h2{font-size:18px;margin:6px 0 8px}
.location{display:block;margin:14px -14px 4px;padding:4px 14px;font-size:13px;color:#374151;border-top:1px dashed #d1d5db;scroll-margin-top:24px}
.location:target{background:#fff6d5}
.chunk table{border-collapse:collapse;margin:0 0 10px;display:block;overflow-x:auto;max-width:100%}
.chunk th,.chunk td{border:1px solid #d1d5db;padding:4px 8px;text-align:left;vertical-align:top}
.chunk th{background:#f3f4f6}
`;

/** Documents read from PDF or Office files: their short heading-like paragraphs are shown as headings. */
const HEADING_PARAGRAPH = /^[^。！？；!?;，,\n]{1,30}$/;

function locationLabel(unit: "page" | "slide", number: number): string {
  return unit === "page" ? `第 ${number} 页` : `第 ${number} 张幻灯片`;
}

/** Markers for the pages (or slides) that begin up to `through`, not yet shown. */
function locationMarkers(source: SourceDoc, shown: Set<number>, through: number): string {
  let markers = "";
  for (const location of source.locations ?? []) {
    if (location.number > through || shown.has(location.number)) continue;
    shown.add(location.number);
    markers += `<span class="location" id="${location.unit}-${location.number}">${locationLabel(location.unit, location.number)}</span>`;
  }
  return markers;
}

/** Where the original file of a source can be downloaded (see page-routes.ts). */
export function originalFileLink(sourceId: string): string {
  return `/kb-file/${encodeURIComponent(sourceId)}`;
}

/** Each chunk's text without the overlap it repeats from the chunk before it. */
function chunkTexts(chunks: Chunk[]): string[] {
  return chunks.map((chunk, position) => {
    if (position === 0) return chunk.text;
    const previous = chunks[position - 1].text;
    for (let size = Math.min(previous.length, chunk.text.length); size >= 10; size--) {
      if (previous.endsWith(chunk.text.slice(0, size))) return chunk.text.slice(size).replace(/^\s+/, "");
    }
    return chunk.text;
  });
}

/**
 * A chunk's paragraphs as HTML. In documents, short heading-like paragraphs are drawn as headings; in
 * documents and web pages, a run of table rows (`列名: 值` paragraphs under the same names) as one table.
 */
function paragraphs(text: string, headings: boolean, tables: boolean): string {
  const html: string[] = [];
  let table: TableRow[] = [];
  const endTable = () => {
    if (table.length > 0) html.push(renderTable(table));
    table = [];
  };
  for (const paragraph of text.split(/\n{2,}/).map((part) => part.trim())) {
    if (paragraph === "") continue;
    const row = tables ? readTableRow(paragraph) : null;
    if (row) {
      if (table.length > 0 && !sameColumns(table[0], row)) endTable();
      table.push(row);
      continue;
    }
    endTable();
    html.push(headings && HEADING_PARAGRAPH.test(paragraph) ? `<h2>${escapeHtml(paragraph)}</h2>` : `<p>${escapeHtml(paragraph)}</p>`);
  }
  endTable();
  return html.join("");
}

export interface SourcePageOptions {
  /** Link the original file (SERVE_ORIGINAL_FILES=true and a document source: original-file.ts). */
  originalFile?: boolean;
}

export function renderSourcePage(source: SourceDoc, chunks: Chunk[], options: SourcePageOptions = {}): string {
  const ordered = [...chunks].sort((left, right) => left.index - right.index);
  const texts = ordered.length > 0 ? chunkTexts(ordered) : [source.text];
  const indexes = ordered.length > 0 ? ordered.map((chunk) => chunk.index) : [0];
  const meta = [
    source.category ? `<span>分类：${escapeHtml(source.category)}</span>` : "",
    source.date ? `<span>日期：<time>${escapeHtml(source.date)}</time></span>` : "",
    source.url ? `<span>原文：<a href="${escapeHtml(source.url)}" rel="noopener noreferrer">${escapeHtml(source.url)}</a></span>` : "",
    options.originalFile
      ? `<span>原文件：<a href="${escapeHtml(originalFileLink(source.sourceId))}" download>${escapeHtml(path.posix.basename(source.file))}</a></span>`
      : "",
  ].join("");
  const headings = source.kind === "document";
  const tables = source.kind === "document" || source.kind === "html";
  const shown = new Set<number>();
  const sections = texts
    .map((text, position) => {
      const markers = locationMarkers(source, shown, ordered[position]?.location?.number ?? (position === 0 ? 1 : 0));
      return `${markers}<section class="chunk" id="chunk-${indexes[position]}"><span class="chunk-label">第 ${indexes[position] + 1} 段</span>${paragraphs(text, headings, tables)}</section>`;
    })
    .join("\n");
  const rest = locationMarkers(source, shown, Number.POSITIVE_INFINITY);
  const body = `<main>
<header class="top"><span class="muted">知识库来源</span><a href="/">← 返回提问</a></header>
<article class="card">
<h1>${escapeHtml(source.title)}</h1>
<div class="meta">${meta}</div>
${sections}${rest}
</article>
<p class="muted">来源编号：<code>${escapeHtml(source.sourceId)}</code></p>
</main>`;
  return renderPage({ title: `${source.title} · 知识库`, body, css: SOURCE_CSS });
}

export function renderSourceNotFoundPage(sourceId: string): string {
  const body = `<main>
<header class="top"><span class="muted">知识库来源</span><a href="/">← 返回提问</a></header>
<article class="card">
<h1>找不到这个来源</h1>
<p>知识库里没有编号为 <code>${escapeHtml(sourceId)}</code> 的来源。它可能已在重新索引时被删除或改名。</p>
<p><a href="/">回到首页重新提问</a></p>
</article>
</main>`;
  return renderPage({ title: "找不到来源 · 知识库", body });
}
