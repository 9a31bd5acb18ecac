/**
 * Reads the admin's synonym list (`synonyms.txt` at the knowledge folder's root) for the index
 * build: bounded like every file of the folder, bad lines reported by number and skipped. A folder
 * without one has no admin groups; the shipped list applies either way.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { parseSynonyms, SYNONYM_LIMITS, SYNONYMS_FILE_NAME } from "../text/synonyms.js";
import { decodeFile } from "./decode-file.js";
import { type BoundedRead, readAtMost } from "./read-at-most.js";
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
  let read: BoundedRead;
  try {
    if (!(await stat(file)).isFile()) return { groups: [], problems: [] };
    read = await readAtMost(file, SYNONYM_LIMITS.maxBytes);
  } catch (error) {
    // No list is the usual case; any other failure is reported and the shipped groups still apply.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { groups: [], problems: [] };
    return { groups: [], problems: [problem(`cannot read the synonym list: ${(error as Error).message}`, "Check the file's permissions.")] };
  }
  if (read.bytes === null)
    return { groups: [], problems: [problem(`the synonym list is ${read.size} bytes, more than ${SYNONYM_LIMITS.maxBytes}; it was not read`, "Shorten it.")] };
  // Decoded like every text file of the folder: GB18030 is detected and reported.
  const decoded = decodeFile(read.bytes, SYNONYMS_FILE_NAME);
  if (decoded.text === null) return { groups: [], problems: decoded.problems };
  const parsed = parseSynonyms(decoded.text);
  return {
    groups: parsed.groups,
    problems: [...decoded.problems, ...parsed.problems.map((bad) => problem(bad.message, "Write one group a line: words separated by spaces or /.", bad.line))],
  };
}
