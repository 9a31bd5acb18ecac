/**
 * Reads the knowledge folder recursively, one parser per format. A bad file is reported with its
 * path (and line) and left out; the rest of the folder still loads.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { KnowledgeBotError } from "../core/errors.js";
import type { SourceDoc } from "../core/types.js";
import { decodeFile } from "./decode-file.js";
import type { FileParser } from "./parsed-file.js";
import { parseCsvTable, parseJsonLinesTable } from "./parse-faq-table.js";
import { parseHtml } from "./parse-html.js";
import { parseMarkdown } from "./parse-markdown.js";
import { parseTextPage } from "./parse-text-page.js";
import type { SourceProblem } from "./source-problem.js";

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
  files: number;
}

export async function loadKnowledge(knowledgeDir: string): Promise<LoadedKnowledge> {
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
  for (const absolute of files) {
    const file = path.relative(knowledgeDir, absolute).split(path.sep).join("/");
    const parser = PARSERS[path.extname(file).toLowerCase()];
    if (!parser) {
      problems.push({
        severity: "warning",
        code: "SOURCE_UNSUPPORTED",
        file,
        message: "file type is not indexed",
        hint: `Use one of ${Object.keys(PARSERS).join(", ")}, or move the file out of the knowledge folder.`,
      });
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(absolute);
    } catch (error) {
      problems.push({ severity: "error", code: "SOURCE_UNREADABLE", file, message: `cannot read file: ${(error as Error).message}`, hint: "Check the file's permissions." });
      continue;
    }
    const decoded = decodeFile(bytes, file);
    problems.push(...decoded.problems);
    if (decoded.text === null) continue;
    const parsed = parser(decoded.text, file);
    problems.push(...parsed.problems);
    for (const source of parsed.sources) {
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
  return { sources, problems, files: files.length };
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
