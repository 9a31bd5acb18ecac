/**
 * HTML pages: the title and the readable text, parsed with cheerio. Navigation, scripts and other
 * page furniture are dropped; block elements become paragraphs so chunking can respect them. The
 * site name is trimmed from the title, bylines are dropped, the date comes from the page's metadata
 * and tables are read row by row with their column names (html-page-parts.ts).
 */
import path from "node:path";
import * as cheerio from "cheerio";
import { withHash } from "./source-hash.js";
import { firstLineTitle, usableMetadataTitle } from "./metadata-title.js";
import { DISCLAIMER_LINE, emptyFileProblem, type FileParser } from "./parsed-file.js";
import { isByline, readPageDate, tableParagraphs, trimSiteSuffix } from "./html-page-parts.js";

const FURNITURE = "script, style, noscript, template, nav, header, footer, aside, form, iframe, svg";
const BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, dt, dd, blockquote, pre, td, th, figcaption, caption";

export const parseHtml: FileParser = (text, file) => {
  if (text.trim() === "") return { sources: [], problems: [emptyFileProblem(file)] };
  const page = cheerio.load(text);
  // A <title> that is a file name or an editor's placeholder ("无标题文档") names nothing.
  const namedTitle =
    usableMetadataTitle(trimSiteSuffix(page("title").first().text())) ??
    (page("h1").first().text().replace(/\s+/g, " ").trim() || undefined) ??
    usableMetadataTitle(page('meta[property="og:title"]').attr("content"));
  const canonical = page('link[rel="canonical"]').attr("href")?.trim();
  const category = page('meta[name="category"]').attr("content")?.trim();
  const date = readPageDate(page);

  page(FURNITURE).remove();
  const root = page("main").first().length ? page("main").first() : page("article").first().length ? page("article").first() : page("body");
  const paragraphs: string[] = [];
  root.find(`${BLOCKS}, table`).each((_, element) => {
    if (element.tagName === "table") {
      // A table inside a table is read as its own rows, not again as cells of the outer one.
      paragraphs.push(...tableParagraphs(page, element));
      return;
    }
    if (page(element).closest("table").length > 0) return;
    // Nested blocks (a <p> inside an <li>) are read once, through the innermost block.
    if (page(element).find(BLOCKS).length > 0) return;
    const value = page(element).text().replace(/\s+/g, " ").trim();
    if (value) paragraphs.push(value);
  });
  if (paragraphs.length === 0) {
    const value = root.text().replace(/\s+/g, " ").trim();
    if (value) paragraphs.push(value);
  }
  const disclaimer = paragraphs.some((paragraph) => DISCLAIMER_LINE.test(paragraph));
  const body = paragraphs.filter((paragraph) => !DISCLAIMER_LINE.test(paragraph) && !isByline(paragraph) && paragraph !== namedTitle);
  if (body.length === 0) return { sources: [], problems: [emptyFileProblem(file)] };
  const title = namedTitle ?? firstLineTitle(body[0]) ?? path.basename(file, path.extname(file));

  return {
    sources: [
      withHash({
        sourceId: file,
        title,
        ...(canonical && /^https?:\/\//i.test(canonical) ? { url: canonical } : {}),
        ...(category ? { category } : {}),
        ...(date ? { date } : {}),
        kind: "html",
        text: body.join("\n\n"),
        disclaimer,
        file,
      }),
    ],
    problems: [],
  };
};
