/**
 * The parts of a saved web page that are the site's, not the article's: the site name after the
 * title, the byline lines, and the date in the page's metadata; and tables read as "列名: 值" lines
 * so a row keeps its column names when it is cut into chunks.
 */
import type { CheerioAPI } from "cheerio";
import type { Element } from "domhandler";
import { rowsUnderHeader } from "./table-row-text.js";

/** The last "- 健康新闻网", "_某某网", "| 站点" of a title; a site name is short. `-` needs spaces so "COVID-19" stays. */
const SITE_SUFFIX = /^(.{2,}?)\s*(?:\s[-–—]\s|[_|｜]|——)\s*[^-–—_|｜]{1,24}$/u;

export function trimSiteSuffix(title: string): string {
  const match = SITE_SUFFIX.exec(title.trim());
  return match ? match[1].trim() : title.trim();
}

/** 作者/来源/编辑 lines, and the publication line that often carries them. */
const BYLINE = /^(?:作者|来源|编辑|责任编辑|责编|记者|通讯员|审核|发布时间|发布日期)\s*[:：]/;
const BYLINE_MAX_CHARS = 120;

export function isByline(paragraph: string): boolean {
  return paragraph.length <= BYLINE_MAX_CHARS && BYLINE.test(paragraph);
}

const DATE_SELECTORS = [
  'meta[property="article:published_time"]',
  'meta[name="article:published_time"]',
  'meta[name="date"]',
  'meta[name="publishdate"]',
  'meta[name="PubDate"]',
  'meta[itemprop="datePublished"]',
];

/** The publication date as `YYYY-MM-DD` from the page's metadata or first `<time datetime>`, when one reads as a date. */
export function readPageDate(page: CheerioAPI): string | undefined {
  const candidates = [...DATE_SELECTORS.map((selector) => page(selector).attr("content")), page("time[datetime]").first().attr("datetime")];
  for (const candidate of candidates) {
    const match = candidate ? /^\s*(\d{4})[-/年.](\d{1,2})[-/月.](\d{1,2})/.exec(candidate) : null;
    if (match) return `${match[1]}-${match[2].padStart(2, "0")}-${match[3].padStart(2, "0")}`;
  }
  return undefined;
}

/**
 * One paragraph per table row: "列名: 值" lines under the header row's names, or the cells joined
 * by " | " when the table has no header. The caption, when there is one, comes first.
 */
export function tableParagraphs(page: CheerioAPI, table: Element): string[] {
  const cellText = (cell: Element): string => page(cell).text().replace(/\s+/g, " ").trim();
  const rows = page(table)
    .find("tr")
    .toArray()
    .filter((row) => page(row).closest("table")[0] === table)
    .map((row) => ({
      header: page(row).parent().is("thead") || (page(row).children("th").length > 0 && page(row).children("td").length === 0),
      cells: page(row).children("th, td").toArray().map(cellText),
    }))
    .filter((row) => row.cells.some((cell) => cell !== ""));
  const paragraphs: string[] = [];
  const caption = page(table).children("caption").first().text().replace(/\s+/g, " ").trim();
  if (caption) paragraphs.push(caption);
  const headerRow = rows[0]?.header && rows.length > 1 ? rows[0].cells : undefined;
  if (headerRow)
    paragraphs.push(
      ...rowsUnderHeader(
        headerRow,
        rows.slice(1).map((row) => row.cells),
      ),
    );
  else paragraphs.push(...rows.map((row) => row.cells.filter((cell) => cell !== "").join(" | ")));
  return paragraphs;
}
