/** FAQ tables: `.csv` (header row) and `.jsonl` (one JSON object a line), one source per row. */
import { parse } from "csv-parse/sync";
import type { SourceDoc } from "../core/types.js";
import { emptyFileProblem, malformedProblem, type FileParser } from "./parsed-file.js";
import { FAQ_COLUMNS_HINT, faqRowToSource, hasAnswerKey } from "./faq-row.js";
import type { SourceProblem } from "./source-problem.js";

interface CsvRecord {
  record: Record<string, string>;
  info: { lines: number };
}

export const parseCsvTable: FileParser = (text, file) => {
  if (text.trim() === "") return { sources: [], problems: [emptyFileProblem(file)] };
  let records: CsvRecord[];
  try {
    records = parse(text, { columns: true, bom: true, skip_empty_lines: true, info: true, relax_column_count: false }) as CsvRecord[];
  } catch (error) {
    const csvError = error as { lines?: number; message: string };
    return {
      sources: [],
      problems: [
        malformedProblem(file, csvError.lines, `CSV cannot be parsed: ${csvError.message}`, "Check the quoting and the number of columns on that line (fields holding commas or newlines must be in double quotes)."),
      ],
    };
  }
  const header = parse(text, { bom: true, to_line: 1 }) as string[][];
  const columns = header[0] ?? [];
  if (!hasAnswerKey(columns)) {
    return {
      sources: [],
      problems: [
        malformedProblem(file, 1, `CSV has no answer column (columns: ${columns.join(", ") || "none"})`, FAQ_COLUMNS_HINT),
      ],
    };
  }
  return collectRows(
    records.map((entry, index) => ({ row: entry.record, rowNumber: index + 1, line: entry.info.lines })),
    file,
  );
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
      problems.push(malformedProblem(file, index + 1, `line is not a JSON object: ${(error as Error).message}`, 'Each line must be one JSON object such as {"question": "…", "answer": "…"}.'));
    }
  });
  if (rows.length > 0 && !rows.some((entry) => hasAnswerKey(Object.keys(entry.row)))) {
    return {
      sources: [],
      problems: [...problems, { severity: "error", code: "SOURCE_MALFORMED", file, line: rows[0].line, message: "no line has an answer key", hint: FAQ_COLUMNS_HINT }],
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
