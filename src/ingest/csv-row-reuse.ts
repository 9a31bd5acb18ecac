/**
 * A changed CSV table parses only its changed rows. Parsing medqa's 7,000-row table takes about a
 * fifth of a second (decoding, Papa Parse, one hashed source per row, and the trip to and from the
 * parse thread), most of an incremental re-index after one row was edited. So a running process
 * keeps the last parse of each table with the table's bytes; when the table changes, the bytes
 * both versions share at the start and at the end are found (a memory compare), the rows wholly
 * inside them keep their sources, and only the rows between are parsed, with the header in front.
 *
 * Only a table whose last parse was clean is reused: no problem of any kind, every row an FAQ row
 * with its own id (a row numbered by its position would change id when a row before it is added),
 * line endings from which Papa Parse guesses the same one for the part as for the whole, and
 * record boundaries (found by the quoting rules below) agreeing with the parse. Anything else,
 * and any problem in the changed rows, parses the whole file as before. Nothing is kept across
 * processes: a one-shot `kb reindex` parses the table whole.
 */
import path from "node:path";
import type { IndexLimits } from "./index-limits.js";
import { parseFile } from "./parse-file.js";
import type { ParsedFile } from "./parsed-file.js";

/** Bytes of tables kept in memory between re-indexes, all tables together (their sources take about as much again). */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;
/**
 * A larger table is parsed whole every time: keeping one means finding every record's end and
 * copying its sources on the server's own thread, which held a server's /healthz for over a second
 * on a 1,000,000-row table (p99 1,125 → 105 ms without it). medqa's 4 MB table is kept.
 */
const MAX_KEPT_TABLE_BYTES = 16 * 1024 * 1024;

const QUOTE = 0x22;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

interface KeptTable {
  bytes: Buffer;
  ending: "lf" | "crlf";
  /** Offset just past each record (its line ending included); record 0 is the header. */
  recordEnds: Int32Array;
  /** One source per record after the header. */
  parsed: ParsedFile;
}

/**
 * End offset of every record: a line ending (`\r\n` when `crlf`, else `\n`) outside a quoted field
 * ends one. A field is quoted when it starts with `"`; inside, `""` is a quote. Null when a quoted
 * field never closes.
 */
export function csvRecordEnds(bytes: Uint8Array, crlf: boolean): Int32Array | null {
  const ends: number[] = [];
  let inQuotes = false;
  let fieldStart = true;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index];
    if (inQuotes) {
      if (byte !== QUOTE) continue;
      if (bytes[index + 1] === QUOTE) index++;
      else inQuotes = false;
    } else if (byte === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
    } else if (byte === COMMA) fieldStart = true;
    else if (byte === NEWLINE && (!crlf || bytes[index - 1] === CARRIAGE_RETURN)) {
      ends.push(index + 1);
      fieldStart = true;
    } else fieldStart = false;
  }
  if (inQuotes) return null;
  if (ends.length === 0 || ends[ends.length - 1] < bytes.length) ends.push(bytes.length);
  return Int32Array.from(ends);
}

/**
 * The line ending Papa Parse guesses for the whole table and for its header followed by any of its
 * rows alike: `\n` when there is no carriage return; `\r\n` when every carriage return is followed
 * by a line feed and the first line feed follows one (a line feed alone may still occur inside a
 * field); null otherwise (a lone `\r`), when the guess could differ.
 */
function lineEnding(bytes: Buffer): "lf" | "crlf" | null {
  const firstReturn = bytes.indexOf(CARRIAGE_RETURN);
  if (firstReturn === -1) return "lf";
  for (let index = firstReturn; index !== -1; index = bytes.indexOf(CARRIAGE_RETURN, index + 1)) if (bytes[index + 1] !== NEWLINE) return null;
  return bytes.indexOf(NEWLINE) === firstReturn + 1 ? "crlf" : null;
}

/** Length of the bytes `left` and `right` share at their start, found by halving native compares. */
function commonPrefix(left: Buffer, right: Buffer): number {
  let low = 0;
  let high = Math.min(left.length, right.length);
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (left.compare(right, low, middle, low, middle) === 0) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Length of the bytes they share at their end, at most `limit`. */
function commonSuffix(left: Buffer, right: Buffer, limit: number): number {
  let low = 0;
  let high = limit;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (left.compare(right, right.length - middle, right.length - low, left.length - middle, left.length - low) === 0) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** A clean parse whose rows are one source each, named by their own ids. */
function reusable(file: string, parsed: ParsedFile, records: number): boolean {
  const byPosition = `${file}#row-`;
  return parsed.problems.length === 0 && parsed.sources.length === records - 1 && parsed.sources.every((source) => !source.sourceId.startsWith(byPosition));
}

/** One per process: a server's re-indexes (and a benchmark's) share it. */
export class CsvRowReuse {
  private readonly kept = new Map<string, KeptTable>();

  /** True for a file whose parse this keeps. */
  handles(file: string, size: number): boolean {
    return path.extname(file).toLowerCase() === ".csv" && size <= MAX_KEPT_TABLE_BYTES;
  }

  /**
   * The file's parse from the kept one and its changed rows, or undefined when it must be parsed
   * whole. `key` names the table (its absolute path).
   */
  async parseChanged(key: string, file: string, bytes: Buffer, limits: IndexLimits): Promise<ParsedFile | undefined> {
    const kept = this.kept.get(key);
    if (!kept || lineEnding(bytes) !== kept.ending) return undefined;
    const crlf = kept.ending === "crlf";
    const old = kept.bytes;
    const prefix = commonPrefix(old, bytes);
    const suffix = commonSuffix(old, bytes, Math.min(old.length, bytes.length) - prefix);
    const ends = kept.recordEnds;
    // The header and the rows wholly inside the shared start are kept, and so are those wholly inside the shared end.
    let first = 0;
    while (first < ends.length && ends[first] <= prefix) first++;
    if (first === 0) return undefined;
    // Record k starts where record k - 1 ends.
    let last = ends.length;
    while (last > first && ends[last - 2] >= old.length - suffix) last--;
    const shift = bytes.length - old.length;
    const changedStart = ends[first - 1];
    const changedEnd = last < ends.length ? ends[last - 1] + shift : bytes.length;
    if (changedEnd < changedStart) return undefined;
    const changed = bytes.subarray(changedStart, changedEnd);
    const changedEnds = csvRecordEnds(changed, crlf);
    // The kept rows after the changed ones start a record only if the changed ones end one.
    if (!changedEnds || (last < ends.length && changed.length > 0 && changed[changed.length - 1] !== NEWLINE)) return undefined;
    const changedRecords = changed.length === 0 ? 0 : changedEnds.length;
    const header = old.subarray(0, ends[0]);
    const parsed = await parseFile(Buffer.concat([header, changed]), file, limits);
    if (!reusable(file, parsed, changedRecords + 1)) return undefined;
    const sources = [...kept.parsed.sources.slice(0, first - 1), ...parsed.sources, ...kept.parsed.sources.slice(last - 1)];
    const recordEnds = Int32Array.from([
      ...ends.subarray(0, first),
      ...Array.from(changedEnds.subarray(0, changedRecords), (end) => end + changedStart),
      ...Array.from(ends.subarray(last), (end) => end + shift),
    ]);
    const result: ParsedFile = { sources, problems: [] };
    this.kept.delete(key);
    if (this.keptBytes() + bytes.length <= MAX_KEPT_BYTES) this.kept.set(key, { bytes: Buffer.from(bytes), ending: kept.ending, recordEnds, parsed: result });
    return { sources: [...sources], problems: [] };
  }

  /** Keeps a whole parse of the file for the next re-index, when it is one this can reuse. */
  keep(key: string, file: string, bytes: Buffer, parsed: ParsedFile): void {
    this.kept.delete(key);
    const ending = lineEnding(bytes);
    if (!ending) return;
    const recordEnds = csvRecordEnds(bytes, ending === "crlf");
    if (!recordEnds || !reusable(file, parsed, recordEnds.length)) return;
    if (this.keptBytes() + bytes.length <= MAX_KEPT_BYTES)
      this.kept.set(key, { bytes, ending, recordEnds, parsed: { sources: [...parsed.sources], problems: [] } });
  }

  private keptBytes(): number {
    let total = 0;
    for (const table of this.kept.values()) total += table.bytes.length;
    return total;
  }

  /** Forgets tables not seen in the last load (removed or renamed files). */
  keepOnly(keys: Set<string>): void {
    for (const key of this.kept.keys()) if (!keys.has(key)) this.kept.delete(key);
  }
}

/** The tables kept by this process. */
export const csvRowReuse = new CsvRowReuse();
