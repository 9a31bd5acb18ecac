/**
 * Reads the knowledge folder recursively, one parser per format. A bad file is reported with its
 * path (and line) and left out; the rest of the folder still loads. File sizes are checked before
 * a file is read, and every source's short fields are bounded whichever parser produced it.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { KnowledgeBotError } from "../core/errors.js";
import type { SourceDoc } from "../core/types.js";
import { BuildPacer } from "../core/build-pacer.js";
import { type BoundedRead, readAtMost } from "./read-at-most.js";
import { DEFAULT_INDEX_LIMITS, type IndexLimits } from "./index-limits.js";
import { DuplicateContent, hashBytes } from "./duplicate-content.js";
import type { ParseCache } from "./parse-cache.js";
import type { ParsedFile } from "./parsed-file.js";
import { isDocument, isSupported, parseFile, supportedExtensions } from "./parse-file.js";
import { ParseThread } from "./parse-thread.js";
import { boundSourceFields } from "./source-field-limits.js";
import type { SourceProblem } from "./source-problem.js";
import { SYNONYMS_FILE_NAME } from "../text/synonyms.js";

export { supportedExtensions };

/**
 * Text files up to this size are parsed on the calling thread (a page of Markdown takes well under
 * a millisecond); larger ones and every binary document go to the parse thread.
 */
const PARSE_HERE_MAX_BYTES = 256 * 1024;

/** Files that are part of a folder's furniture, not knowledge. */
const IGNORED_NAMES = new Set(["readme.md", ".gitkeep", ".ds_store", "thumbs.db"]);

export interface LoadedKnowledge {
  sources: SourceDoc[];
  problems: SourceProblem[];
  /** Files handed to a parser on this load, and files whose parse was taken from the parse cache. */
  files?: { parsed: string[]; reused: string[] };
}

/**
 * `pacer` keeps the calling thread answering while a large folder loads (a re-index passes its
 * own, whose signal also stops the parse thread); without one, loops yield every ~50 ms anyway.
 */
export async function loadKnowledge(
  knowledgeDir: string,
  limitOverrides: Partial<IndexLimits> = {},
  pacer: BuildPacer = new BuildPacer(),
  /** Parses of the serving version to reuse for unchanged documents (a re-index passes one). */
  parseCache?: ParseCache,
  /** Told after each file, with the count of files read so far and in all. */
  onFile?: (done: number, total: number) => void,
): Promise<LoadedKnowledge> {
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
  /** The file that first gave each source id. */
  const firstSeen = new Map<string, string>();
  const duplicates = new DuplicateContent();
  const parsedFiles: string[] = [];
  const reusedFiles: string[] = [];
  const parseThread = new ParseThread(pacer.signal);
  /** Tables seen by this load, whose kept parses stay. */
  const tables = new Set<string>();
  try {
    for (const [position, absolute] of files.entries()) {
      onFile?.(position, files.length);
      const file = path.relative(knowledgeDir, absolute).split(path.sep).join("/");
      // The admin's synonym list is read by the index build, not indexed as a source.
      if (file.toLowerCase() === SYNONYMS_FILE_NAME) continue;
      if (!isSupported(file)) {
        problems.push({
          severity: "warning",
          code: "SOURCE_UNSUPPORTED",
          file,
          message: "file type is not indexed",
          hint: `Use one of ${supportedExtensions().join(", ")}, or move the file out of the knowledge folder.`,
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
      const bytesHash = await hashBytes(read.bytes, pacer);
      const sameBytes = duplicates.sameBytesHash(file, bytesHash);
      if (sameBytes) {
        problems.push(sameBytes);
        continue;
      }
      const cacheKey = parseCache?.keyOf(file, bytesHash);
      let parsed: ParsedFile | undefined = cacheKey ? await parseCache!.reuse(cacheKey) : undefined;
      // A table keeps its last parse in this process; a changed one parses only its changed rows.
      const tableRows = parseCache?.tableRows.handles(file, read.bytes.length) ? parseCache.tableRows : undefined;
      if (tableRows) tables.add(absolute);
      if (parsed) reusedFiles.push(file);
      else {
        if (tableRows && parseCache!.reusesParses) parsed = await tableRows.parseChanged(absolute, file, read.bytes, limits);
        if (!parsed) {
          // The bytes move to the parse thread: a table keeps a copy.
          const tableBytes = tableRows ? Buffer.from(read.bytes) : undefined;
          parsed =
            isDocument(file) || read.bytes.length > PARSE_HERE_MAX_BYTES
              ? await parseThread.parse(read.bytes, file, limits)
              : await parseFile(read.bytes, file, limits);
          if (tableRows) tableRows.keep(absolute, file, tableBytes!, parsed);
        }
        parsedFiles.push(file);
        if (cacheKey) parseCache!.keep(cacheKey, parsed);
      }
      await pacer.pause();
      problems.push(...parsed.problems);
      const sameText = await duplicates.sameText(file, parsed.sources, pacer);
      if (sameText) {
        problems.push(sameText);
        continue;
      }
      for (const parsedSource of parsed.sources) {
        if (pacer.due()) await pacer.pause();
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
            message: `id "${source.sourceId}" is already used by ${earlier}; this one was left out`,
            hint: "Give every FAQ row a unique id.",
          });
          continue;
        }
        firstSeen.set(source.sourceId, file);
        sources.push(source);
      }
    }
    onFile?.(files.length, files.length);
    parseCache?.tableRows.keepOnly(tables);
  } finally {
    await parseThread.close();
  }
  return { sources, problems, files: { parsed: parsedFiles, reused: reusedFiles } };
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
