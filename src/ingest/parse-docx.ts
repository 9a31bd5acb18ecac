/**
 * Word .docx: mammoth turns the document into HTML (headings, paragraphs, lists, tables), cheerio
 * reads that into paragraphs. A table row becomes `列名: 值` lines under the first row's names, so
 * a retrieved row still says what each value is. The zip is checked (office-zip.ts) before mammoth
 * sees it; images are never read.
 */
import path from "node:path";
import * as cheerio from "cheerio";
import type { Element } from "domhandler";
import mammoth from "mammoth";
import { firstLineTitle, usableMetadataTitle } from "./metadata-title.js";
import { CORE_PROPERTIES_PART, coreTitle } from "./office-core-title.js";
import { readOfficeParts } from "./office-zip.js";
import { emptyFileProblem, malformedProblem, type DocumentParser } from "./parsed-file.js";
import { withHash } from "./source-hash.js";
import { tableRowParagraphs } from "./table-row-text.js";

const BLOCKS = "h1, h2, h3, h4, h5, h6, p, li, table";

export const parseDocx: DocumentParser = async (bytes, file, limits) => {
  // Every part is inflated once under the limit, so mammoth's own unzip cannot meet a bomb.
  const opened = readOfficeParts(bytes, file, () => true, limits.maxUnpackedBytes);
  if (opened.problem) return { sources: [], problems: [opened.problem] };
  if (!opened.parts.has("word/document.xml"))
    return {
      sources: [],
      problems: [malformedProblem(file, undefined, "the zip has no word/document.xml, so it is not a Word document", "Save it again from Word as .docx.")],
    };
  let html: string;
  try {
    const converted = await mammoth.convertToHtml({ buffer: bytes }, { convertImage: mammoth.images.imgElement(async () => ({ src: "" })) });
    html = converted.value;
  } catch (error) {
    return {
      sources: [],
      problems: [malformedProblem(file, undefined, `Word document cannot be read: ${(error as Error).message}`, "Open it in Word and save it again as .docx.")],
    };
  }
  const page = cheerio.load(html);
  const paragraphs: string[] = [];
  let firstHeading: string | undefined;
  page(BLOCKS).each((_, element) => {
    if (element.tagName !== "table" && page(element).closest("table").length > 0) return;
    if (element.tagName === "table") {
      if (page(element).parents("table").length === 0) paragraphs.push(...tableRows(page, element));
      return;
    }
    // A list item's own words; a nested list is read through its own items.
    const own = page(element).clone();
    own.find("ul, ol").remove();
    const text = own.text().replace(/\s+/g, " ").trim();
    if (text === "") return;
    if (/^h[1-6]$/.test(element.tagName)) firstHeading ??= text;
    paragraphs.push(text);
  });
  const text = paragraphs.join("\n\n");
  if (text === "") return { sources: [], problems: [emptyFileProblem(file)] };
  const title =
    usableMetadataTitle(coreTitle(opened.parts.get(CORE_PROPERTIES_PART))) ?? firstHeading ?? firstLineTitle(text) ?? path.basename(file, path.extname(file));
  return { sources: [withHash({ sourceId: file, title, kind: "document", text, disclaimer: false, file })], problems: [] };
};

/** Rows under the first row's column names (`项目: 抽血`), one paragraph a row. */
function tableRows(page: cheerio.CheerioAPI, table: Element): string[] {
  const rows = page(table)
    .find("tr")
    .toArray()
    .filter((row) => page(row).closest("table")[0] === table)
    .map((row) =>
      page(row)
        .children("th, td")
        .toArray()
        .map((cell) => page(cell).text().replace(/\s+/g, " ").trim()),
    )
    .filter((cells) => cells.some((cell) => cell !== ""));
  return tableRowParagraphs(rows);
}
