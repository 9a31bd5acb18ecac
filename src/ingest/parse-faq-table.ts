/** FAQ tables: `.csv` (header row) and `.jsonl` (one JSON object a line), one source per row. */
import Papa from "papaparse";
import type { SourceDoc } from "../core/types.js";
import { emptyFileProblem, malformedProblem, type FileParser } from "./parsed-file.js";
import { FAQ_COLUMNS_HINT, faqRowToSource, hasAnswerKey } from "./faq-row.js";
import type { SourceProblem } from "./source-problem.js";

const CSV_QUOTING_HINT = "Check the quoting and the number of columns on that line (fields holding commas or newlines must be in double quotes).";

/**
 * CSV with a header row. Papa Parse reads a 7,000-row table in a tenth of the time csv-parse took,
 * which is most of an incremental re-index. A row with the wrong number of fields or broken
 * quoting is reported with its line and left out; the other rows still load.
 */
export const parseCsvTable: FileParser = (text, file) => {
  if (text.trim() === "") return { sources: [], problems: [emptyFileProblem(file)] };
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const rows: { row: Record<string, unknown>; rowNumber: number; line: number }[] = [];
  const problems: SourceProblem[] = [];
  let columns: string[] | undefined;
  // Line numbers: count the newlines between one row's end (Papa Parse's cursor) and the next.
  let rowStart = 0;
  let line = 1;
  let counted = 0;
  let dataRows = 0;
  Papa.parse<string[]>(body, {
    header: false,
    // Never guess: a table whose answers contain semicolons or tabs is still comma-separated.
    delimiter: ",",
    step: (result) => {
      for (; counted < rowStart; counted++) if (body.charCodeAt(counted) === 10) line++;
      const rowLine = line;
      rowStart = result.meta.cursor;
      const fields = result.data;
      if (fields.length === 1 && fields[0].trim() === "") return;
      if (result.errors.length > 0) {
        problems.push(malformedProblem(file, rowLine, `CSV cannot be parsed: ${result.errors[0].message}`, CSV_QUOTING_HINT));
        return;
      }
      if (!columns) {
        columns = fields.map((name) => name.trim());
        return;
      }
      dataRows++;
      if (fields.length !== columns.length) {
        problems.push(malformedProblem(file, rowLine, `row ${dataRows} has ${fields.length} fields, the header has ${columns.length}`, CSV_QUOTING_HINT));
        return;
      }
      const row: Record<string, string> = {};
      columns.forEach((name, index) => (row[name] = fields[index]));
      rows.push({ row, rowNumber: dataRows, line: rowLine });
    },
  });
  if (!columns || !hasAnswerKey(columns)) {
    return {
      sources: [],
      problems: [malformedProblem(file, 1, `CSV has no answer column (columns: ${columns?.join(", ") || "none"})`, FAQ_COLUMNS_HINT)],
    };
  }
  const collected = collectRows(rows, file);
  return { sources: collected.sources, problems: [...problems, ...collected.problems] };
};

export const parseJsonLinesTable: FileParser = (text, file) => {
  if (text.trim() === "") return { sources: [], problems: [emptyFileProblem(file)] };
  const rows: { row: Record<string, unknown>; rowNumber: number; line: number }[] = [];
  const problems: SourceProblem[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    if (lineText.trim() === "") return;
    try {
      const value: unknown = JSON.parse(lineText);
      if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
      rows.push({ row: value as Record<string, unknown>, rowNumber: rows.length + problems.length + 1, line: index + 1 });
    } catch (error) {
      problems.push(
        malformedProblem(
          file,
          index + 1,
          `line is not a JSON object: ${(error as Error).message}`,
          'Each line must be one JSON object such as {"question": "…", "answer": "…"}.',
        ),
      );
    }
  });
  if (rows.length > 0 && !rows.some((entry) => hasAnswerKey(Object.keys(entry.row)))) {
    return {
      sources: [],
      problems: [
        ...problems,
        { severity: "error", code: "SOURCE_MALFORMED", file, line: rows[0].line, message: "no line has an answer key", hint: FAQ_COLUMNS_HINT },
      ],
    };
  }
  const collected = collectRows(rows, file);
  return { sources: collected.sources, problems: [...problems, ...collected.problems] };
};

function collectRows(rows: { row: Record<string, unknown>; rowNumber: number; line: number }[], file: string) {
  const sources: SourceDoc[] = [];
  const problems: SourceProblem[] = [];
  for (const { row, rowNumber, line } of rows) {
    const result = faqRowToSource(row, file, rowNumber, line);
    if (result.source) sources.push(result.source);
    if (result.problem) problems.push(result.problem);
  }
  return { sources, problems };
}
