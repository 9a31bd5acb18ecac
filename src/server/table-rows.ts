/**
 * Table rows as the parsers write them (src/ingest/parse-docx.ts, html-page-parts.ts,
 * parse-xlsx.ts): one paragraph per row, one `列名: 值` line per cell. The source page draws a run
 * of such rows under the same column names as a real table again, so a reader sees the document's
 * table rather than a list of lines.
 */
import { escapeHtml } from "./escape-html.js";

/** One `列名: 值` line: a short name without sentence punctuation, then the cell's value. */
const CELL_LINE = /^([^:：。！？；!?;\n]{1,30})[:：] (.*)$/;

export interface TableRow {
  columns: string[];
  values: string[];
}

/** The paragraph as a table row, or null when any of its lines is not a `列名: 值` cell (or it has only one). */
export function readTableRow(paragraph: string): TableRow | null {
  const lines = paragraph.split("\n");
  if (lines.length < 2) return null;
  const columns: string[] = [];
  const values: string[] = [];
  for (const line of lines) {
    const cell = CELL_LINE.exec(line.trim());
    if (!cell) return null;
    columns.push(cell[1].trim());
    values.push(cell[2].trim());
  }
  return { columns, values };
}

/** Rows that share their column names, drawn as one table with those names as its header. */
export function renderTable(rows: TableRow[]): string {
  const header = rows[0].columns.map((column) => `<th>${escapeHtml(column)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.values.map((value) => `<td>${escapeHtml(value)}</td>`).join("")}</tr>`).join("");
  return `<table><thead><tr>${header}</tr></thead><tbody>${body}</tbody></table>`;
}

export function sameColumns(left: TableRow, right: TableRow): boolean {
  return left.columns.length === right.columns.length && left.columns.every((column, index) => column === right.columns[index]);
}
