/**
 * One FAQ row (from CSV or JSONL) becomes one source. Column names are matched loosely because FAQ
 * exports name them in English or Chinese.
 */
import type { SourceDoc } from "../core/types.js";
import { withHash } from "./source-hash.js";
import type { SourceProblem } from "./source-problem.js";

const QUESTION_KEYS = ["question", "title", "问题", "标题"];
/** A table with a question column may name its rows in a title column of their own (an admin's answer from the console does). */
const TITLE_KEYS = ["title", "标题"];
const ANSWER_KEYS = ["answer", "答案", "回答", "content"];
const CATEGORY_KEYS = ["category", "department", "分类", "科室"];

/** Column names by their trimmed lower-case form. */
function normalizedKeys(keys: string[]): Map<string, string> {
  return new Map(keys.map((key) => [key.trim().toLowerCase(), key]));
}

export function findKey(keys: string[] | Map<string, string>, candidates: string[]): string | undefined {
  const normalized = keys instanceof Map ? keys : normalizedKeys(keys);
  for (const candidate of candidates) {
    const key = normalized.get(candidate);
    if (key !== undefined) return key;
  }
  return undefined;
}

export function hasAnswerKey(keys: string[]): boolean {
  return findKey(keys, ANSWER_KEYS) !== undefined;
}

export const FAQ_COLUMNS_HINT =
  "FAQ tables need a `question` (or `title`/`问题`) and an `answer` (or `答案`) column; `id`, `url`, `category`/`department`, `date` and (beside a question column) `title` are optional.";

/** Turns one row into a source, or a problem naming the line. `rowNumber` counts data rows from 1. */
export function faqRowToSource(row: Record<string, unknown>, file: string, rowNumber: number, line: number): { source?: SourceDoc; problem?: SourceProblem } {
  // Once per row, not once per looked-up column: a large table has thousands of rows.
  const keys = normalizedKeys(Object.keys(row));
  const value = (candidates: string[]) => {
    const key = findKey(keys, candidates);
    const raw = key === undefined ? undefined : row[key];
    return raw === undefined || raw === null ? "" : String(raw).trim();
  };
  const question = value(QUESTION_KEYS);
  const ownTitle = findKey(keys, QUESTION_KEYS) === findKey(keys, TITLE_KEYS) ? "" : value(TITLE_KEYS);
  const answer = value(ANSWER_KEYS);
  const id = value(["id", "编号"]);
  const url = value(["url", "link", "链接"]);
  const rowProblem = (message: string, hint: string): { problem: SourceProblem } => ({
    problem: { severity: "error", code: "SOURCE_MALFORMED", file, line, message, hint },
  });
  if (answer === "") return rowProblem(`row ${rowNumber} has an empty answer`, "Fill in the answer or delete the row.");
  if (question === "") return rowProblem(`row ${rowNumber} has an empty question`, "Fill in the question or delete the row.");
  if (url !== "" && !/^https?:\/\/\S+$/i.test(url)) {
    return rowProblem(
      `row ${rowNumber} has a url that is not an http(s) link: ${url}`,
      "Use a full link such as https://example.org/faq/1, or leave it empty.",
    );
  }
  const category = value(CATEGORY_KEYS);
  const date = value(["date", "日期"]);
  return {
    source: withHash({
      sourceId: id !== "" ? id : `${file}#row-${rowNumber}`,
      title: ownTitle || question,
      question,
      ...(url ? { url } : {}),
      ...(category ? { category } : {}),
      ...(date ? { date } : {}),
      kind: "faq",
      text: answer,
      // Whether a row is medical is decided by the answer composer from its content.
      disclaimer: false,
      file,
    }),
  };
}
