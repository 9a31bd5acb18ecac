/**
 * Reads the knowledge folder recursively, one parser per format. A bad file is reported with its
 * path (and line) and left out; the rest of the folder still loads. File sizes are checked before
 * a file is read, and every source's short fields are bounded whichever parser produced it.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { KnowledgeBotError } from "../core/errors.js";
import type { SourceDoc } from "../core/types.js";
import { decodeFile } from "./decode-file.js";
import { type BoundedRead, readAtMost } from "./read-at-most.js";
import { DEFAULT_INDEX_LIMITS, type IndexLimits } from "./index-limits.js";
import { DOCUMENT_PARSERS } from "./document-parsers.js";
import { DuplicateContent } from "./duplicate-content.js";
import type { FileParser, ParsedFile } from "./parsed-file.js";
import { parseCsvTable, parseJsonLinesTable } from "./parse-faq-table.js";
import { parseHtml } from "./parse-html.js";
import { parseMarkdown } from "./parse-markdown.js";
import { parseTextPage } from "./parse-text-page.js";
import { boundSourceFields } from "./source-field-limits.js";
import type { SourceProblem } from "./source-problem.js";
import { SYNONYMS_FILE_NAME } from "../text/synonyms.js";

const PARSERS: Record<string, FileParser> = {
  ".txt": parseTextPage,
  ".md": parseMarkdown,
  ".markdown": parseMarkdown,
  ".html": parseHtml,
  ".htm": parseHtml,
  ".csv": parseCsvTable,
  ".jsonl": parseJsonLinesTable,
};

/** Files that are part of a folder's furniture, not knowledge. */
const IGNORED_NAMES = new Set(["readme.md", ".gitkeep", ".ds_store", "thumbs.db"]);

export interface LoadedKnowledge {
  sources: SourceDoc[];
  problems: SourceProblem[];
}

export async function loadKnowledge(knowledgeDir: string, limitOverrides: Partial<IndexLimits> = {}): Promise<LoadedKnowledge> {
  const limits: IndexLimits = { ...DEFAULT_INDEX_LIMITS, ...limitOverrides };
  let files: string[];
  try {
    files = await listFiles(knowledgeDir);
  } catch (error) {
    throw new KnowledgeBotError(
      "KNOWLEDGE_DIR_MISSING",
      `The knowledge folder ${knowledgeDir} cannot be read: ${(error as Error).message}`,
      "Create it and put source files in it, or point KNOWLEDGE_DIR (or --knowledge) at the right folder.",
      { cause: error },
    );
  }
  const sources: SourceDoc[] = [];
  const problems: SourceProblem[] = [];
  const firstSeen = new Map<string, { file: string }>();
  const duplicates = new DuplicateContent();
  for (const absolute of files) {
    const file = path.relative(knowledgeDir, absolute).split(path.sep).join("/");
    // The admin's synonym list is read by the index build, not indexed as a source.
    if (file.toLowerCase() === SYNONYMS_FILE_NAME) continue;
    const extension = path.extname(file).toLowerCase();
    const parser = PARSERS[extension];
    const documentParser = DOCUMENT_PARSERS[extension];
    if (!parser && !documentParser) {
      problems.push({
        severity: "warning",
        code: "SOURCE_UNSUPPORTED",
        file,
        message: "file type is not indexed",
        hint: `Use one of ${[...Object.keys(PARSERS), ...Object.keys(DOCUMENT_PARSERS)].join(", ")}, or move the file out of the knowledge folder.`,
      });
      continue;
    }
    let read: BoundedRead;
    try {
      read = await readAtMost(absolute, limits.maxFileBytes);
    } catch (error) {
      problems.push({
        severity: "error",
        code: "SOURCE_UNREADABLE",
        file,
        message: `cannot read file: ${(error as Error).message}`,
        hint: "Check the file's permissions.",
      });
      continue;
    }
    if (read.bytes === null) {
      problems.push({
        severity: "error",
        code: "SOURCE_TOO_LARGE",
        file,
        message: `file is ${read.size} bytes, more than the limit of ${limits.maxFileBytes} bytes (MAX_FILE_BYTES); it was not read`,
        hint: "Split the file into smaller ones, or raise MAX_FILE_BYTES if files this large are expected.",
      });
      continue;
    }
    const sameBytes = duplicates.sameBytes(file, read.bytes);
    if (sameBytes) {
      problems.push(sameBytes);
      continue;
    }
    let parsed: ParsedFile;
    if (documentParser) {
      parsed = await documentParser(read.bytes, file, limits);
    } else {
      const decoded = decodeFile(read.bytes, file);
      problems.push(...decoded.problems);
      if (decoded.text === null) continue;
      parsed = parser(decoded.text, file, limits);
    }
    problems.push(...parsed.problems);
    const sameText = duplicates.sameText(file, parsed.sources);
    if (sameText) {
      problems.push(sameText);
      continue;
    }
    for (const parsedSource of parsed.sources) {
      const bounded = boundSourceFields(parsedSource);
      problems.push(...bounded.problems);
      if (!bounded.source) continue;
      const source = bounded.source;
      const earlier = firstSeen.get(source.sourceId);
      if (earlier) {
        problems.push({
          severity: "error",
          code: "SOURCE_DUPLICATE_ID",
          file,
          message: `id "${source.sourceId}" is already used by ${earlier.file}; this one was left out`,
          hint: "Give every FAQ row a unique id.",
        });
        continue;
      }
      firstSeen.set(source.sourceId, { file });
      sources.push(source);
    }
  }
  return { sources, problems };
}

/** Sorted so that source order, and so the index, does not depend on the file system. */
async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((left, right) => (left.name < right.name ? -1 : 1))) {
    if (entry.name.startsWith(".") || IGNORED_NAMES.has(entry.name.toLowerCase())) continue;
    const absolute = path.join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(absolute)));
    else if (entry.isFile()) files.push(absolute);
  }
  return files;
}

/** Every file extension the loader reads (text formats here, binary ones in DOCUMENT_PARSERS), e.g. for an upload form. */
export function supportedExtensions(): string[] {
  return [...Object.keys(PARSERS), ...Object.keys(DOCUMENT_PARSERS)];
}
