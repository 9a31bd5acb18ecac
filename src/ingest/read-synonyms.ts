/**
 * Reads the admin's synonym list (`synonyms.txt` at the knowledge folder's root) for the index
 * build: bounded like every file of the folder, bad lines reported by number and skipped. A folder
 * without one has no admin groups; the shipped list applies either way.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { parseSynonyms, SYNONYM_LIMITS, SYNONYMS_FILE_NAME } from "../text/synonyms.js";
import type { SourceProblem } from "./source-problem.js";

export async function readSynonyms(knowledgeDir: string): Promise<{ groups: string[][]; problems: SourceProblem[] }> {
  const file = path.join(knowledgeDir, SYNONYMS_FILE_NAME);
  const problem = (message: string, hint: string, line?: number): SourceProblem => ({
    severity: "warning",
    code: "SOURCE_MALFORMED",
    file: SYNONYMS_FILE_NAME,
    ...(line ? { line } : {}),
    message,
    hint,
  });
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return { groups: [], problems: [] };
    size = info.size;
  } catch {
    return { groups: [], problems: [] };
  }
  if (size > SYNONYM_LIMITS.maxBytes)
    return { groups: [], problems: [problem(`the synonym list is ${size} bytes, more than ${SYNONYM_LIMITS.maxBytes}; it was not read`, "Shorten it.")] };
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { groups: [], problems: [problem(`cannot read the synonym list: ${(error as Error).message}`, "Check the file's permissions.")] };
  }
  const parsed = parseSynonyms(text);
  return {
    groups: parsed.groups,
    problems: parsed.problems.map((bad) => problem(bad.message, "Write one group a line: words separated by spaces or /.", bad.line)),
  };
}
