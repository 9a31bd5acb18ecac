/**
 * How every parser writes a table as text (Word, Excel and HTML alike): one paragraph per row, a
 * `列名: 值` line for each filled cell under the header's column names. Rows stay findable by the
 * column a question names, and the source page (src/server/table-rows.ts) draws them as a table again.
 */

/** Each row under `header`'s names; a cell whose column has no name stands on its own line. */
export function rowsUnderHeader(header: string[], rows: string[][]): string[] {
  return rows
    .map((cells) =>
      cells
        .map((cell, index) => (cell === "" ? "" : header[index] ? `${header[index]}: ${cell}` : cell))
        .filter(Boolean)
        .join("\n"),
    )
    .filter(Boolean);
}

/** A table whose first row names the columns; a one-row table is its cells joined by " | ". */
export function tableRowParagraphs(rows: string[][]): string[] {
  if (rows.length < 2) return rows.map((cells) => cells.filter(Boolean).join(" | "));
  const [header, ...body] = rows;
  return rowsUnderHeader(header, body);
}
