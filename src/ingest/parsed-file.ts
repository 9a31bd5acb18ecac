import type { SourceDoc } from "../core/types.js";
import type { IndexLimits } from "./index-limits.js";
import type { SourceProblem } from "./source-problem.js";

/** What a per-format parser returns for one file. */
export interface ParsedFile {
  sources: SourceDoc[];
  problems: SourceProblem[];
}

/**
 * A per-format parser: decoded text and the path relative to the knowledge folder in, sources out.
 * `limits` bounds what the parser may accept (e.g. Markdown front matter size); defaults apply without it.
 */
export type FileParser = (text: string, file: string, limits?: IndexLimits) => ParsedFile;

/**
 * A parser for a binary document format (PDF, Office files, images): the file's raw bytes in, sources
 * out. It may be slow, so it is async and stops when `signal` aborts; it never evaluates the content
 * and bounds what it unpacks by `limits`.
 */
export type DocumentParser = (bytes: Buffer, file: string, limits: IndexLimits, signal?: AbortSignal) => Promise<ParsedFile>;

export { DISCLAIMER_LINE } from "../core/medical-disclaimer.js";

export function emptyFileProblem(file: string): SourceProblem {
  return {
    severity: "error",
    code: "SOURCE_EMPTY",
    file,
    message: "file has no content",
    hint: "Add content to the file or delete it.",
  };
}

/** A file or row that cannot be read as its format says, naming the line when known. */
export function malformedProblem(file: string, line: number | undefined, message: string, hint: string): SourceProblem {
  return { severity: "error", code: "SOURCE_MALFORMED", file, ...(line !== undefined ? { line } : {}), message, hint };
}

/** A file refused, or cut short, by one of the per-file limits; `message` names the limit and its variable. */
export function tooLargeProblem(file: string, message: string, hint: string): SourceProblem {
  return { severity: "error", code: "SOURCE_TOO_LARGE", file, message, hint };
}
