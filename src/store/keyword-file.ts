/**
 * The keyword index on disk, written at re-index time so loading is a read instead of segmenting
 * every chunk again. One little-endian file: a magic and format number, a JSON header with the
 * counts and the term list, then the typed arrays of the postings, each 4-byte aligned.
 */
import { readFile, writeFile } from "node:fs/promises";
import type { KeywordPostings } from "./keyword-index.js";

const MAGIC = "KBKW";
const FORMAT = 1;

interface KeywordFileHeader {
  rowCount: number;
  postingCount: number;
  terms: string[];
}

const align = (offset: number) => (offset + 3) & ~3;

export function encodeKeywordPostings(postings: KeywordPostings): Buffer {
  const header: KeywordFileHeader = { rowCount: postings.titleLengths.length, postingCount: postings.rows.length, terms: postings.terms };
  const headerBytes = Buffer.from(JSON.stringify(header), "utf8");
  const arrays = [postings.offsets, postings.rows, postings.titleLengths, postings.bodyLengths, postings.titleFrequencies, postings.bodyFrequencies];
  let offset = align(12 + headerBytes.length);
  const starts = arrays.map((array) => {
    const start = offset;
    offset = align(offset + array.byteLength);
    return start;
  });
  const file = Buffer.alloc(offset);
  file.write(MAGIC, 0, "latin1");
  file.writeUInt32LE(FORMAT, 4);
  file.writeUInt32LE(headerBytes.length, 8);
  headerBytes.copy(file, 12);
  arrays.forEach((array, index) => file.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), starts[index]));
  return file;
}

export function decodeKeywordPostings(file: Buffer): KeywordPostings {
  if (file.length < 12 || file.toString("latin1", 0, 4) !== MAGIC) throw new Error("not a keyword index file");
  if (file.readUInt32LE(4) !== FORMAT) throw new Error(`keyword index format ${file.readUInt32LE(4)}, this version reads ${FORMAT}`);
  const headerLength = file.readUInt32LE(8);
  const header = JSON.parse(file.toString("utf8", 12, 12 + headerLength)) as KeywordFileHeader;
  // Views need 4-byte aligned memory; a Buffer from the pool may not start aligned, so copy once.
  const bytes = file.byteOffset % 4 === 0 ? file : Buffer.from(file);
  let offset = align(12 + headerLength);
  const take = <T>(make: (buffer: ArrayBufferLike, byteOffset: number, length: number) => T, length: number, bytesPerElement: number): T => {
    if (offset + length * bytesPerElement > bytes.length) throw new Error("keyword index file is truncated");
    const view = make(bytes.buffer, bytes.byteOffset + offset, length);
    offset = align(offset + length * bytesPerElement);
    return view;
  };
  const { rowCount, postingCount, terms } = header;
  const offsets = take((buffer, start, length) => new Int32Array(buffer, start, length), terms.length + 1, 4);
  const rows = take((buffer, start, length) => new Int32Array(buffer, start, length), postingCount, 4);
  const titleLengths = take((buffer, start, length) => new Uint32Array(buffer, start, length), rowCount, 4);
  const bodyLengths = take((buffer, start, length) => new Uint32Array(buffer, start, length), rowCount, 4);
  const titleFrequencies = take((buffer, start, length) => new Uint16Array(buffer, start, length), postingCount, 2);
  const bodyFrequencies = take((buffer, start, length) => new Uint16Array(buffer, start, length), postingCount, 2);
  if (offsets[terms.length] !== postingCount) throw new Error("keyword index file offsets do not match its postings");
  return { terms, offsets, rows, titleFrequencies, bodyFrequencies, titleLengths, bodyLengths };
}

export async function writeKeywordFile(file: string, postings: KeywordPostings): Promise<void> {
  await writeFile(file, encodeKeywordPostings(postings));
}

export async function readKeywordFile(file: string): Promise<KeywordPostings> {
  return decodeKeywordPostings(await readFile(file));
}
