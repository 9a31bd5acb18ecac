/**
 * The keyword index on disk, written at re-index time so loading is a read instead of segmenting
 * every chunk again. One little-endian file: a magic and format number, a JSON header with the
 * counts, the terms as one NUL-separated UTF-8 block (much faster to split than a JSON array),
 * then the typed arrays of the postings, each 4-byte aligned.
 */
import { open } from "node:fs/promises";
import { compareTerms, joinTerms, splitTerms } from "../text/sorted-terms.js";
import type { KeywordPostings } from "./keyword-postings.js";

const MAGIC = "KBKW";
const FORMAT = 1;

interface KeywordFileHeader {
  rowCount: number;
  postingCount: number;
  termCount: number;
  termBytes: number;
}

const align = (offset: number) => (offset + 3) & ~3;

/**
 * The file as a list of byte ranges: the typed arrays are referenced, not copied, so writing a
 * large index never builds a second copy of it in memory.
 */
export function encodeKeywordPostings(postings: KeywordPostings): Buffer[] {
  const termBlock = Buffer.from(joinTerms(postings.terms), "utf8");
  const header: KeywordFileHeader = {
    rowCount: postings.titleLengths.length,
    postingCount: postings.rows.length,
    termCount: postings.terms.length,
    termBytes: termBlock.length,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(FORMAT, 4);
  prefix.writeUInt32LE(headerBytes.length, 8);
  const parts: Buffer[] = [prefix, headerBytes, termBlock];
  let length = 12 + headerBytes.length + termBlock.length;
  const pad = () => {
    const padding = align(length) - length;
    if (padding > 0) parts.push(Buffer.alloc(padding));
    length += padding;
  };
  pad();
  for (const array of [postings.offsets, postings.rows, postings.titleLengths, postings.bodyLengths, postings.titleFrequencies, postings.bodyFrequencies]) {
    parts.push(Buffer.from(array.buffer, array.byteOffset, array.byteLength));
    length += array.byteLength;
    pad();
  }
  return parts;
}

export function decodeKeywordPostings(file: Buffer): KeywordPostings {
  if (file.length < 12 || file.toString("latin1", 0, 4) !== MAGIC) throw new Error("not a keyword index file");
  if (file.readUInt32LE(4) !== FORMAT) throw new Error(`keyword index format ${file.readUInt32LE(4)}, this version reads ${FORMAT}`);
  const headerLength = file.readUInt32LE(8);
  const header = JSON.parse(file.toString("utf8", 12, 12 + headerLength)) as KeywordFileHeader;
  const { rowCount, postingCount, termCount, termBytes } = header;
  if (12 + headerLength + termBytes > file.length) throw new Error("keyword index file is truncated");
  const terms = termCount === 0 ? [] : splitTerms(file.toString("utf8", 12 + headerLength, 12 + headerLength + termBytes));
  if (terms.length !== termCount) throw new Error(`keyword index file lists ${terms.length} terms, its header says ${termCount}`);
  for (let index = 1; index < terms.length; index++)
    if (compareTerms(terms[index - 1], terms[index]) >= 0) throw new Error("keyword index file terms are not in order");
  // Views need 4-byte aligned memory; a Buffer from the pool may not start aligned, so copy once.
  const bytes = file.byteOffset % 4 === 0 ? file : Buffer.from(file);
  let offset = align(12 + headerLength + termBytes);
  const take = <T>(make: (buffer: ArrayBufferLike, byteOffset: number, length: number) => T, length: number, bytesPerElement: number): T => {
    if (offset + length * bytesPerElement > bytes.length) throw new Error("keyword index file is truncated");
    const view = make(bytes.buffer, bytes.byteOffset + offset, length);
    offset = align(offset + length * bytesPerElement);
    return view;
  };
  const offsets = take((buffer, start, length) => new Int32Array(buffer, start, length), termCount + 1, 4);
  const rows = take((buffer, start, length) => new Int32Array(buffer, start, length), postingCount, 4);
  const titleLengths = take((buffer, start, length) => new Uint32Array(buffer, start, length), rowCount, 4);
  const bodyLengths = take((buffer, start, length) => new Uint32Array(buffer, start, length), rowCount, 4);
  const titleFrequencies = take((buffer, start, length) => new Uint16Array(buffer, start, length), postingCount, 2);
  const bodyFrequencies = take((buffer, start, length) => new Uint16Array(buffer, start, length), postingCount, 2);
  if (offsets[termCount] !== postingCount) throw new Error("keyword index file offsets do not match its postings");
  return { terms, offsets, rows, titleFrequencies, bodyFrequencies, titleLengths, bodyLengths };
}

export async function writeKeywordFile(file: string, postings: KeywordPostings): Promise<void> {
  const handle = await open(file, "w");
  try {
    await handle.writev(encodeKeywordPostings(postings));
  } finally {
    await handle.close();
  }
}
