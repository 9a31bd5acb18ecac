/**
 * Excel .xlsx with SheetJS. A sheet whose header row has a question and an answer column is an FAQ
 * table: one source per row, as for CSV (faq-row.ts), with the sheet's name as the category. Any
 * other sheet is one table source whose rows read `列名: 值`. Formulas are never evaluated: only
 * the values Excel cached are read. Hidden sheets are skipped with a warning, and a sheet is read
 * to `maxSheetRows` rows at most.
 */
import path from "node:path";
import * as XLSX from "@e965/xlsx";
import type { SourceDoc } from "../core/types.js";
import { faqRowToSource, findKey, hasAnswerKey } from "./faq-row.js";
import { readOfficeParts } from "./office-zip.js";
import { emptyFileProblem, malformedProblem, type DocumentParser, tooLargeProblem } from "./parsed-file.js";
import { withHash } from "./source-hash.js";
import type { SourceProblem } from "./source-problem.js";
import { tableRowParagraphs } from "./table-row-text.js";

const QUESTION_COLUMNS = ["question", "title", "问题", "标题"];

export const parseXlsx: DocumentParser = async (bytes, file, limits) => {
  // Inflated once under the limit first, so SheetJS's own unzip cannot meet a bomb.
  const opened = readOfficeParts(bytes, file, () => true, limits.maxUnpackedBytes);
  if (opened.problem) return { sources: [], problems: [opened.problem] };
  let workbook: XLSX.WorkBook;
  try {
    // One row past the limit, to know whether the sheet went on.
    workbook = XLSX.read(bytes, { type: "buffer", sheetRows: limits.maxSheetRows + 1, cellFormula: false, cellHTML: false, cellStyles: false, bookVBA: false });
  } catch (error) {
    return {
      sources: [],
      problems: [malformedProblem(file, undefined, `spreadsheet cannot be read: ${(error as Error).message}`, "Open it in Excel and save it again as .xlsx.")],
    };
  }
  const sources: SourceDoc[] = [];
  const problems: SourceProblem[] = [];
  const bookName = path.basename(file, path.extname(file));
  workbook.SheetNames.forEach((sheetName, sheetIndex) => {
    if (workbook.Workbook?.Sheets?.[sheetIndex]?.Hidden) {
      problems.push({
        severity: "warning",
        code: "SOURCE_UNSUPPORTED",
        file,
        message: `sheet "${sheetName}" is hidden and was not indexed`,
        hint: "Unhide the sheet in Excel if it should be answered from, or move it to another workbook.",
      });
      return;
    }
    const sheet = workbook.Sheets[sheetName];
    let rows = (XLSX.utils.sheet_to_json<unknown[]>(sheet, { header: 1, raw: false, defval: "", blankrows: false }) as unknown[][]).map((cells) =>
      cells.map((cell) => String(cell ?? "").trim()),
    );
    if (rows.length > limits.maxSheetRows) {
      rows = rows.slice(0, limits.maxSheetRows);
      problems.push(
        tooLargeProblem(
          file,
          `sheet "${sheetName}" has more than ${limits.maxSheetRows} rows (MAX_SHEET_ROWS); only the first ${limits.maxSheetRows} were indexed`,
          "Split the sheet into several, or raise MAX_SHEET_ROWS if sheets this long are expected.",
        ),
      );
    }
    if (rows.length === 0) return;
    const header = rows[0];
    if (hasAnswerKey(header) && findKey(header, QUESTION_COLUMNS) !== undefined) {
      sources.push(...faqSheet(rows, file, sheetName, problems));
      return;
    }
    const text = tableRowParagraphs(rows).join("\n\n");
    if (text === "") return;
    sources.push(
      withHash({ sourceId: `${file}#${sheetName}`, title: `${bookName} · ${sheetName}`, category: sheetName, kind: "document", text, disclaimer: false, file }),
    );
  });
  if (sources.length === 0 && problems.length === 0) problems.push(emptyFileProblem(file));
  return { sources, problems };
};

/** One FAQ source per row; row ids are made per sheet, so two FAQ sheets do not collide. */
function faqSheet(rows: string[][], file: string, sheetName: string, problems: SourceProblem[]): SourceDoc[] {
  const [header, ...body] = rows;
  const sources: SourceDoc[] = [];
  body.forEach((cells, index) => {
    if (cells.every((cell) => cell === "")) return;
    const row: Record<string, string> = {};
    header.forEach((name, column) => (row[name] = cells[column] ?? ""));
    const rowNumber = index + 1;
    // The sheet's row number as the line: that is what the user sees in Excel.
    const result = faqRowToSource(row, file, rowNumber, index + 2);
    if (result.problem) problems.push({ ...result.problem, message: `sheet "${sheetName}": ${result.problem.message}` });
    if (!result.source) return;
    const source: Omit<SourceDoc, "contentHash"> & { contentHash?: string } = { ...result.source };
    delete source.contentHash;
    const sourceId = source.sourceId === `${file}#row-${rowNumber}` ? `${file}#${sheetName}-row-${rowNumber}` : source.sourceId;
    sources.push(withHash({ ...source, sourceId, category: source.category ?? sheetName }));
  });
  return sources;
}
