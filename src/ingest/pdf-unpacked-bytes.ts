/**
 * What a PDF's streams unpack to, counted before pdf.js reads the file. pdf.js inflates a stream
 * whole into one growing buffer and has no limit to set, so a 4 MB file whose content stream
 * inflates to 4 GiB of spaces took the process to 11 GB. Here every stream is decoded through its
 * filters with a byte budget and dropped as it goes: one stream may unpack to `maxStreamBytes`
 * (a page's content, a font, an image), the whole file to `maxUnpackedBytes`, and decoding stops
 * at the first byte past either.
 *
 * Streams are found by their `stream` keyword, not through the cross-reference table, so a stream
 * the table hides is counted too. Its filters are every `/Filter` written since the previous
 * stream (the largest count wins), so a misleading key elsewhere in the dictionary changes nothing.
 * Encrypted files are not decrypted here, so their streams cannot be counted (see docs).
 */
import { decodeStage, expandingFilter, type ExpandingFilter, LARGEST_EXPANSION } from "./pdf-stream-filters.js";

export interface PdfUnpackBudget {
  /** Most bytes all streams of the file may unpack to together. */
  maxUnpackedBytes: number;
  /** Most bytes any one stream may unpack to. */
  maxStreamBytes: number;
}

export type PdfUnpackCheck =
  | { fits: true; unpackedBytes: number }
  | { fits: false; unpackedBytes: number; limit: "file" | "stream"; streamOffset: number }
  | { fits: false; unpackedBytes: number; limit: "unresolved-filter"; streamOffset: number };

const STREAM = "stream";
const END_STREAM = "endstream";
const WHITESPACE = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIMITERS = new Set([...WHITESPACE, 0x28, 0x29, 0x3c, 0x3e, 0x5b, 0x5d, 0x7b, 0x7d, 0x2f, 0x25]);
const FILTER_VALUE = /\/Filter\s*(\[[^\]]*\]|\/[^\s/<>[\]()%]+|\d+\s+\d+\s+R)/g;
const LENGTH_VALUE = /\/Length\s+(\d+)\b(?!\s+\d+\s+R)/g;

export async function checkPdfUnpackedBytes(bytes: Buffer, budget: PdfUnpackBudget): Promise<PdfUnpackCheck> {
  const text = bytes.toString("latin1");
  let total = 0;
  let regionStart = 0;
  for (let keyword = text.indexOf(STREAM); keyword !== -1; keyword = text.indexOf(STREAM, keyword + STREAM.length)) {
    if (!isStreamKeyword(bytes, text, keyword)) continue;
    const region = unescapeNames(text.slice(regionStart, keyword));
    regionStart = keyword + STREAM.length;
    const chains = filterChains(region, text);
    if (chains === null) return { fits: false, unpackedBytes: total, limit: "unresolved-filter", streamOffset: keyword };
    if (chains.length === 0) continue;
    const start = dataStart(bytes, keyword + STREAM.length);
    const extentEnd = streamEnd(text, region, start);
    const streamBudget = Math.min(budget.maxStreamBytes, budget.maxUnpackedBytes - total);
    let largest = 0;
    for (const chain of chains) {
      largest = Math.max(largest, await unpackedSize(bytes, start, extentEnd, chain, streamBudget));
      if (largest > streamBudget) break;
    }
    total += largest;
    if (largest > streamBudget) {
      const limit = largest > budget.maxStreamBytes ? "stream" : "file";
      return { fits: false, unpackedBytes: total, limit, streamOffset: keyword };
    }
  }
  return { fits: true, unpackedBytes: total };
}

/** `stream` as pdf.js's lexer reads it: a whole token, not `endstream` or part of a name. */
function isStreamKeyword(bytes: Buffer, text: string, keyword: number): boolean {
  if (text.startsWith(END_STREAM, keyword - 3)) return false;
  const before = keyword === 0 ? 0x20 : bytes[keyword - 1];
  const after = keyword + STREAM.length >= bytes.length ? 0x20 : bytes[keyword + STREAM.length];
  return DELIMITERS.has(before) && WHITESPACE.has(after) && before !== 0x2f;
}

/** `#xx` escapes in names (`/Fi#6cter`) read as pdf.js reads them. */
function unescapeNames(region: string): string {
  return region.replace(/#([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Each `/Filter` value of the region as a chain of filters to decode; null when one names an object that cannot be found. */
function filterChains(region: string, text: string): ExpandingFilter[][] | null {
  const chains: ExpandingFilter[][] = [];
  for (const match of region.matchAll(FILTER_VALUE)) {
    let value = match[1];
    const reference = /^(\d+)\s+(\d+)\s+R$/.exec(value);
    if (reference) {
      const resolved = objectValue(text, Number(reference[1]), Number(reference[2]));
      if (resolved === null) return null;
      value = unescapeNames(resolved);
    }
    const names = [...value.matchAll(/\/([^\s/<>[\]()%]+)/g)].map((name) => name[1]);
    const chain: ExpandingFilter[] = [];
    for (const name of names) {
      const filter = expandingFilter(name);
      if (filter === "crypt") continue;
      // pdf.js stops decoding at a filter it does not expand (an image codec) or does not know.
      if (filter === null) break;
      chain.push(filter);
    }
    if (chain.length > 0) chains.push(chain);
  }
  return chains;
}

/**
 * The text of a top-level object's value (`N G obj … endobj`), or null when it is not in the file as
 * one. The last definition wins, as it does for an incrementally updated file.
 */
function objectValue(text: string, number: number, generation: number): string | null {
  const header = [...text.matchAll(new RegExp(`(?<![0-9])${number}\\s+${generation}\\s+obj\\b`, "g"))].at(-1);
  if (!header) return null;
  const from = header.index + header[0].length;
  const end = text.indexOf("endobj", from);
  return text.slice(from, end === -1 ? Math.min(text.length, from + 4096) : end);
}

/** Where the data starts: after the end of the keyword's line, as pdf.js's lexer skips to it. */
function dataStart(bytes: Buffer, position: number): number {
  while (position < bytes.length) {
    const byte = bytes[position++];
    if (byte === 0x0d) return bytes[position] === 0x0a ? position + 1 : position;
    if (byte === 0x0a) return position;
  }
  return position;
}

/** The stream's end: its direct `/Length` when `endstream` follows there, else the next `endstream`, else the file's end. */
function streamEnd(text: string, region: string, start: number): number {
  const lengths = [...region.matchAll(LENGTH_VALUE)];
  const declared = lengths.length > 0 ? Number(lengths[lengths.length - 1][1]) : undefined;
  if (declared !== undefined && start + declared <= text.length) {
    const after = text.slice(start + declared, start + declared + 64).trimStart();
    if (after.startsWith(END_STREAM)) return start + declared;
  }
  const next = text.indexOf(END_STREAM, start);
  return next === -1 ? text.length : next;
}

/**
 * Bytes one chain of filters produces from the stream, every stage's output counted (pdf.js keeps
 * each stage's buffer), stopping past `budget`. Flate reads on to its own end even past a false
 * `endstream` in the data; data left unread where a stage met damage is counted at the largest
 * expansion of it and every later stage, since pdf.js decodes damaged data leniently.
 */
async function unpackedSize(bytes: Buffer, start: number, extentEnd: number, chain: ExpandingFilter[], budget: number): Promise<number> {
  let input: Uint8Array = chain[0] === "flate" ? bytes.subarray(start) : bytes.subarray(start, extentEnd);
  let counted = 0;
  for (const [index, filter] of chain.entries()) {
    const last = index === chain.length - 1;
    const result = await decodeStage(filter, input, budget - counted, !last);
    counted += result.produced;
    if (result.over || counted > budget) return counted;
    const beyondExtent = index === 0 ? input.length - (extentEnd - start) : 0;
    const unread = Math.max(0, result.unreadAfterDamage - Math.max(0, beyondExtent));
    if (unread > 0) {
      let estimate = unread;
      for (const later of chain.slice(index)) estimate = Math.min(budget + 1, estimate * LARGEST_EXPANSION[later]);
      counted += estimate;
      if (counted > budget) return counted;
    }
    if (last) break;
    input = result.output ?? new Uint8Array(0);
  }
  return counted;
}
