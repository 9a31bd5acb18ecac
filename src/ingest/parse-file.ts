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
import { parseCsvTable, parseJsonLinesTable } from "./parse-faq-table.js";
import { parseHtml } from "./parse-html.js";
import { parseMarkdown } from "./parse-markdown.js";
import { parseTextPage } from "./parse-text-page.js";

/**
 * Text formats by extension. These load with this module (they are small and the calling thread
 * parses small text files itself); the binary document parsers load on first use.
 */
export const TEXT_PARSERS: Record<string, FileParser> = {
  ".txt": parseTextPage,
  ".md": parseMarkdown,
  ".markdown": parseMarkdown,
  ".html": parseHtml,
  ".htm": parseHtml,
  ".csv": parseCsvTable,
  ".jsonl": parseJsonLinesTable,
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
  const parsed = TEXT_PARSERS[extension](decoded.text, file, limits);
  return { sources: parsed.sources, problems: [...decoded.problems, ...parsed.problems] };
}
