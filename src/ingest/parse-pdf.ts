/**
 * PDF: the text layer, page by page, with pdf.js (legacy build, which runs in Node). Fonts and
 * character maps come from the package's own folders and nothing is fetched or evaluated. One
 * source per file; its `locations` say where each page starts, so citations can open the page.
 * Running headers, footers and page numbers are dropped: they repeat on every page and would
 * otherwise match every question about the document's title.
 */
import { createRequire } from "node:module";
import path from "node:path";
import type { TextLocation } from "../core/types.js";
import type { DocumentParser } from "./parsed-file.js";
import { emptyFileProblem, tooLargeProblem } from "./parsed-file.js";
import { pageWithoutText } from "./pdf-page-without-text.js";
import { dropRepeatedEdgeLines } from "./running-lines.js";
import { firstLineTitle, usableMetadataTitle } from "./metadata-title.js";
import { withHash } from "./source-hash.js";
import type { SourceProblem } from "./source-problem.js";

const packageFolder = path.dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
/** pdf.js joins file names to these, so they end with a separator. */
const CMAP_FOLDER = path.join(packageFolder, "cmaps") + path.sep;
const STANDARD_FONT_FOLDER = path.join(packageFolder, "standard_fonts") + path.sep;

type PdfJs = typeof import("pdfjs-dist/legacy/build/pdf.mjs");
let pdfjs: Promise<PdfJs> | undefined;
/** Loaded on first use: pdf.js is large and most knowledge folders have no PDF. */
const loadPdfJs = () => (pdfjs ??= import("pdfjs-dist/legacy/build/pdf.mjs"));

/** Pages read between releases of the document's cached page and font resources. */
const CLEANUP_EVERY_PAGES = 50;

interface TextItemLike {
  str: string;
  hasEOL: boolean;
  transform: number[];
  height: number;
}

export const parsePdf: DocumentParser = async (bytes, file, limits, signal) => {
  const { getDocument } = await loadPdfJs();
  const task = getDocument({
    data: new Uint8Array(bytes),
    cMapUrl: CMAP_FOLDER,
    cMapPacked: true,
    standardFontDataUrl: STANDARD_FONT_FOLDER,
    // pdf.js 5 no longer compiles fonts with eval (the old isEvalSupported switch is gone); no fetch either.
    useWorkerFetch: false,
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  const problems: SourceProblem[] = [];
  try {
    let document;
    try {
      document = await task.promise;
    } catch (error) {
      return { sources: [], problems: [openingProblem(file, error)] };
    }
    if (document.numPages > limits.maxDocumentPages) {
      return {
        sources: [],
        problems: [
          tooLargeProblem(
            file,
            `PDF has ${document.numPages} pages, more than the limit of ${limits.maxDocumentPages} (MAX_DOCUMENT_PAGES); it was not indexed`,
            "Split the PDF into smaller files, or raise MAX_DOCUMENT_PAGES if documents this long are expected.",
          ),
        ],
      };
    }
    const pages: { number: number; lines: string[] }[] = [];
    const pagesWithoutText: number[] = [];
    for (let number = 1; number <= document.numPages; number++) {
      signal?.throwIfAborted();
      // One page at a time: its text lines are kept, the page objects are released in batches below.
      const page = await document.getPage(number);
      try {
        const content = await page.getTextContent();
        const lines = textLines(content.items.filter((item) => "str" in item) as TextItemLike[]);
        if (lines.length === 0) {
          const recognized = await pageWithoutText({ page, pageNumber: number, file, limits, signal });
          const recognizedLines = (recognized.text ?? "")
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line !== "");
          if (recognizedLines.length > 0) pages.push({ number, lines: recognizedLines });
          else pagesWithoutText.push(number);
          problems.push(...recognized.problems);
        } else pages.push({ number, lines });
      } finally {
        // Releasing resources drops the parsed fonts too, and re-parsing a CJK font for every page
        // made a 200-page PDF take 16 s instead of about 5 (loaded machine); so pages are released in batches.
        if (number % CLEANUP_EVERY_PAGES === 0) await document.cleanup();
      }
    }
    const metadata = await document.getMetadata().catch(() => undefined);
    const metadataTitle = (metadata?.info as { Title?: unknown } | undefined)?.Title;
    const cleaned = dropRepeatedEdgeLines(pages);
    let text = "";
    const locations: TextLocation[] = [];
    for (const page of cleaned) {
      const body = paragraphs(page.lines);
      if (body === "") continue;
      if (text !== "") text += "\n\n";
      locations.push({ unit: "page", number: page.number, offset: text.length });
      text += body;
    }
    if (text === "") {
      if (pagesWithoutText.length === 0) return { sources: [], problems: [...problems, emptyFileProblem(file)] };
      return { sources: [], problems };
    }
    const title = usableMetadataTitle(metadataTitle) ?? firstLineTitle(text) ?? path.basename(file);
    return { sources: [withHash({ sourceId: file, title, kind: "document", text, disclaimer: false, file, locations })], problems };
  } finally {
    await task.destroy();
  }
};

function openingProblem(file: string, error: unknown): SourceProblem {
  const name = (error as { name?: string } | undefined)?.name;
  if (name === "PasswordException") {
    return {
      severity: "error",
      code: "SOURCE_ENCRYPTED",
      file,
      message: "PDF is password-protected; it was not indexed",
      hint: "Save an unprotected copy (print to PDF, or remove the password in the PDF editor) and put that in the knowledge folder.",
    };
  }
  return {
    severity: "error",
    code: "SOURCE_MALFORMED",
    file,
    message: `PDF cannot be read: ${(error as Error)?.message ?? String(error)}`,
    hint: "Open it in a PDF reader and save or print it to a new PDF; if it opens nowhere, get a fresh copy.",
  };
}

/**
 * Text items into lines in content order. pdf.js marks line ends (`hasEOL`); a jump in the
 * baseline also starts a line, for producers that do not.
 */
function textLines(items: TextItemLike[]): string[] {
  const lines: string[] = [];
  let current = "";
  let lastY: number | undefined;
  for (const item of items) {
    const y = item.transform[5];
    if (lastY !== undefined && current !== "" && Math.abs(y - lastY) > Math.max(item.height, 1) * 0.5) {
      lines.push(current);
      current = "";
    }
    current += item.str;
    if (item.str !== "") lastY = y;
    if (item.hasEOL) {
      lines.push(current);
      current = "";
    }
  }
  if (current !== "") lines.push(current);
  return lines.map((line) => unifyIdeographs(line).replace(/\s+/g, " ").trim()).filter((line) => line !== "");
}

/** Kangxi and supplementary radicals, and compatibility ideographs. */
const RADICAL_OR_COMPATIBILITY = /[\u2e80-\u2fdf\uf900-\ufaff]/g;

/**
 * CJK fonts often map common characters to their radical code points in the text layer (一 comes
 * out as ⼀ U+2F00), which then matches nothing a user types. Only those characters are folded
 * with NFKC: folding the whole line would also turn full-width punctuation into ASCII.
 */
function unifyIdeographs(line: string): string {
  return line.replace(RADICAL_OR_COMPATIBILITY, (character) => SUPPLEMENT_RADICALS[character] ?? character.normalize("NFKC"));
}

/** Supplementary radicals that stand for whole simplified characters; NFKC leaves these alone. */
const SUPPLEMENT_RADICALS: Record<string, string> = Object.fromEntries(
  "⺟母⺠民⻅见⻆角⻉贝⻋车⻑長⻓长⻔门⻗雨⻘青⻙韦⻚页⻛风⻜飞⻝食⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻬齐⻮齿⻰龙⻳龟"
    .match(/../gu)!
    .map((pair) => [...pair]),
);

const CJK_END = /[\u3000-\u9fff\uff00-\uffef]$/;
const CJK_START = /^[\u3000-\u9fff\uff00-\uffef]/;
/** A line that ends a sentence or is short enough to be a heading ends its paragraph. */
const PARAGRAPH_END = /[。！？!?：:；;）)」』”]$/;
const HEADING_CHARS = 30;

/**
 * Wrapped lines rejoined into paragraphs: Chinese lines join without a space, Latin ones with one.
 * A line ends its paragraph when it ends a sentence or is a short heading-like line.
 */
function paragraphs(lines: string[]): string {
  const result: string[] = [];
  let current = "";
  for (const line of lines) {
    if (current === "") current = line;
    else current += CJK_END.test(current) || CJK_START.test(line) ? line : ` ${line}`;
    if (PARAGRAPH_END.test(line) || line.length <= HEADING_CHARS) {
      result.push(current);
      current = "";
    }
  }
  if (current !== "") result.push(current);
  return result.join("\n\n");
}
