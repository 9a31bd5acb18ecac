/**
 * Writes an array as JSON a slice of rows at a time. `JSON.stringify` of 100,000 sources or chunks
 * makes one string of tens of millions of characters and then its UTF-8 bytes, both at once, while
 * the graph threads hold their graphs: the build's memory peaked there. The bytes written are
 * exactly `JSON.stringify(rows)`'s.
 */
import { writeFile } from "node:fs/promises";
import type { BuildPacer } from "../core/build-pacer.js";

/** Rows turned into text and written together: a few hundred kilobytes at a time. */
const ROWS_PER_WRITE = 1000;

/** Writes `rows` to a new file (`wx`: never over an existing one). */
export function writeJsonRows(file: string, rows: readonly unknown[], pacer?: BuildPacer): Promise<void> {
  return writeFile(file, jsonSlices(rows, pacer), { flag: "wx" });
}

async function* jsonSlices(rows: readonly unknown[], pacer?: BuildPacer): AsyncGenerator<string> {
  for (let start = 0; start < rows.length || start === 0; start += ROWS_PER_WRITE) {
    const slice = rows.slice(start, start + ROWS_PER_WRITE).map((row) => JSON.stringify(row) ?? "null");
    yield `${start === 0 ? "[" : ","}${slice.join(",")}${start + ROWS_PER_WRITE >= rows.length ? "]" : ""}`;
    if (pacer?.due()) await pacer.pause();
  }
}
