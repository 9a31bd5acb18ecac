import type { ErrorCode } from "../core/errors.js";

/**
 * A problem with one file or row of the knowledge folder. Errors mean the file (or row) was left
 * out; warnings mean it was indexed but something needed fixing up (e.g. a GB18030 file).
 */
export interface SourceProblem {
  severity: "error" | "warning";
  code: ErrorCode;
  /** Path relative to the knowledge folder. */
  file: string;
  line?: number;
  message: string;
  /** What to do about it. */
  hint: string;
}

export function describeProblem(problem: SourceProblem): string {
  const where = problem.line ? `${problem.file}:${problem.line}` : problem.file;
  return `${problem.severity}: ${where}: ${problem.message} (${problem.code}). ${problem.hint}`;
}
