/**
 * One knowledge file's bytes to sources, by its extension: text formats are decoded (UTF-8 or
 * GB18030) and handed to their parser, binary documents go to theirs. This is the work that runs
 * on the parse thread (parse-thread.ts); it reads nothing but the bytes it is given.
 */
import path from "node:path";
import { decodeFile } from "./decode-file.js";
import { DOCUMENT_PARSERS } from "./document-parsers.js";
import type { IndexLimits } from "./index-limits.js";
import type { FileParser, ParsedFile } from "./parsed-file.js";

/** Text formats by extension, each parser loaded on first use (as the document parsers are). */
export const TEXT_PARSERS: Record<string, () => Promise<FileParser>> = {
  ".txt": async () => (await import("./parse-text-page.js")).parseTextPage,
  ".md": async () => (await import("./parse-markdown.js")).parseMarkdown,
  ".markdown": async () => (await import("./parse-markdown.js")).parseMarkdown,
  ".html": async () => (await import("./parse-html.js")).parseHtml,
  ".htm": async () => (await import("./parse-html.js")).parseHtml,
  ".csv": async () => (await import("./parse-faq-table.js")).parseCsvTable,
  ".jsonl": async () => (await import("./parse-faq-table.js")).parseJsonLinesTable,
};

/** Every file extension the loader reads (text formats, then binary ones), e.g. for an upload form. */
export function supportedExtensions(): string[] {
  return [...Object.keys(TEXT_PARSERS), ...Object.keys(DOCUMENT_PARSERS)];
}

export function isSupported(file: string): boolean {
  const extension = path.extname(file).toLowerCase();
  return extension in TEXT_PARSERS || extension in DOCUMENT_PARSERS;
}

/** Binary documents (PDF, Office, images): parsed with a library, never small work. */
export function isDocument(file: string): boolean {
  return path.extname(file).toLowerCase() in DOCUMENT_PARSERS;
}

export async function parseFile(bytes: Buffer, file: string, limits: IndexLimits): Promise<ParsedFile> {
  const extension = path.extname(file).toLowerCase();
  const documentParser = DOCUMENT_PARSERS[extension];
  if (documentParser) return documentParser(bytes, file, limits);
  const decoded = decodeFile(bytes, file);
  if (decoded.text === null) return { sources: [], problems: decoded.problems };
  const parser = await TEXT_PARSERS[extension]();
  const parsed = parser(decoded.text, file, limits);
  return { sources: parsed.sources, problems: [...decoded.problems, ...parsed.problems] };
}
