/**
 * Reading the parts of an Office Open XML file (.docx, .xlsx, .pptx are zip archives) without
 * trusting it. The central directory is read first: the entry count is bounded and the declared
 * sizes of the entries we will read must fit in `maxUnpackedBytes` before anything is inflated.
 * Inflating then counts real output bytes, so an entry that lies about its size (a zip bomb) is
 * stopped at its declared size instead of filling memory.
 */
import { Inflate } from "fflate";
import type { ErrorCode } from "../core/errors.js";
import type { SourceProblem } from "./source-problem.js";

/** An Office file has a few dozen parts; thousands means something else is going on. */
export const MAX_ZIP_ENTRIES = 10_000;

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_FILE_HEADER = 0x04034b50;
/** The end record is 22 bytes plus a comment of at most 65,535 bytes. */
const END_RECORD_SEARCH_BYTES = 22 + 0xffff;
/** Compressed bytes handed to the inflater at a time, so the output can be checked as it grows. */
const INFLATE_STEP_BYTES = 64 * 1024;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

/** Why an archive was refused: the code and message for a SourceProblem. */
export class OfficeZipError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The central directory's entries, or an OfficeZipError when the bytes are not a usable zip. */
export function readZipDirectory(bytes: Buffer): ZipEntry[] {
  if (bytes.length < 22 || bytes.readUInt32LE(0) !== LOCAL_FILE_HEADER) throw new OfficeZipError("SOURCE_MALFORMED", "the file is not a zip archive");
  const searchFrom = Math.max(0, bytes.length - END_RECORD_SEARCH_BYTES);
  let end = -1;
  for (let position = bytes.length - 22; position >= searchFrom; position--) {
    if (bytes.readUInt32LE(position) === END_OF_CENTRAL_DIRECTORY) {
      end = position;
      break;
    }
  }
  if (end < 0) throw new OfficeZipError("SOURCE_MALFORMED", "the zip archive has no central directory (truncated or damaged)");
  const count = bytes.readUInt16LE(end + 10);
  const directorySize = bytes.readUInt32LE(end + 12);
  const directoryOffset = bytes.readUInt32LE(end + 16);
  // Zip64 markers: no Office file needs 4 GB parts, and we do not read that format.
  if (count === 0xffff || directoryOffset === 0xffffffff) throw new OfficeZipError("SOURCE_MALFORMED", "the zip archive uses Zip64, which is not read");
  if (count > MAX_ZIP_ENTRIES) throw new OfficeZipError("SOURCE_TOO_LARGE", `the zip archive has ${count} entries, more than ${MAX_ZIP_ENTRIES}`);
  if (directoryOffset + directorySize > end) throw new OfficeZipError("SOURCE_MALFORMED", "the zip central directory points outside the file");
  const entries: ZipEntry[] = [];
  let position = directoryOffset;
  for (let index = 0; index < count; index++) {
    if (position + 46 > end || bytes.readUInt32LE(position) !== CENTRAL_DIRECTORY_ENTRY)
      throw new OfficeZipError("SOURCE_MALFORMED", "the zip central directory is damaged");
    const nameLength = bytes.readUInt16LE(position + 28);
    const extraLength = bytes.readUInt16LE(position + 30);
    const commentLength = bytes.readUInt16LE(position + 32);
    entries.push({
      name: bytes.toString("utf8", position + 46, position + 46 + nameLength),
      method: bytes.readUInt16LE(position + 10),
      compressedSize: bytes.readUInt32LE(position + 20),
      uncompressedSize: bytes.readUInt32LE(position + 24),
      localHeaderOffset: bytes.readUInt32LE(position + 42),
    });
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * The named entries' contents (missing names are absent from the map). Refuses before inflating
 * when their declared sizes add up to more than `maxUnpackedBytes`, and while inflating when an
 * entry produces more than it declared.
 */
export function readZipEntries(bytes: Buffer, entries: ZipEntry[], wanted: (name: string) => boolean, maxUnpackedBytes: number): Map<string, Buffer> {
  const chosen = entries.filter((entry) => wanted(entry.name));
  const declared = chosen.reduce((sum, entry) => sum + entry.uncompressedSize, 0);
  if (declared > maxUnpackedBytes)
    throw new OfficeZipError(
      "SOURCE_TOO_LARGE",
      `its parts unpack to ${declared} bytes, more than the limit of ${maxUnpackedBytes} bytes (MAX_UNPACKED_BYTES)`,
    );
  const contents = new Map<string, Buffer>();
  for (const entry of chosen) contents.set(entry.name, inflateEntry(bytes, entry));
  return contents;
}

function inflateEntry(bytes: Buffer, entry: ZipEntry): Buffer {
  const header = entry.localHeaderOffset;
  if (header + 30 > bytes.length || bytes.readUInt32LE(header) !== LOCAL_FILE_HEADER)
    throw new OfficeZipError("SOURCE_MALFORMED", `zip entry ${entry.name} is damaged`);
  const start = header + 30 + bytes.readUInt16LE(header + 26) + bytes.readUInt16LE(header + 28);
  if (start + entry.compressedSize > bytes.length) throw new OfficeZipError("SOURCE_MALFORMED", `zip entry ${entry.name} runs past the end of the file`);
  const data = bytes.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) throw new OfficeZipError("SOURCE_MALFORMED", `zip entry ${entry.name} has inconsistent sizes`);
    return Buffer.from(data);
  }
  if (entry.method !== 8) throw new OfficeZipError("SOURCE_MALFORMED", `zip entry ${entry.name} uses compression method ${entry.method}, which is not read`);
  const parts: Uint8Array[] = [];
  let produced = 0;
  const inflater = new Inflate((chunk) => {
    produced += chunk.length;
    // More output than the directory declared: the declared size was a lie told to pass the check above.
    if (produced > entry.uncompressedSize)
      throw new OfficeZipError("SOURCE_TOO_LARGE", `zip entry ${entry.name} unpacks to more than the ${entry.uncompressedSize} bytes it declares`);
    parts.push(chunk);
  });
  try {
    for (let offset = 0; offset < data.length; offset += INFLATE_STEP_BYTES) {
      const last = offset + INFLATE_STEP_BYTES >= data.length;
      inflater.push(data.subarray(offset, offset + INFLATE_STEP_BYTES), last);
    }
    if (data.length === 0) inflater.push(new Uint8Array(0), true);
  } catch (error) {
    if (error instanceof OfficeZipError) throw error;
    throw new OfficeZipError("SOURCE_MALFORMED", `zip entry ${entry.name} cannot be inflated: ${(error as Error).message}`);
  }
  return Buffer.concat(parts, produced);
}

/** The parts of an Office file a parser asked for, or the problem that stopped reading it. */
export function readOfficeParts(
  bytes: Buffer,
  file: string,
  wanted: (name: string) => boolean,
  maxUnpackedBytes: number,
): { parts: Map<string, Buffer>; problem?: undefined } | { parts?: undefined; problem: SourceProblem } {
  try {
    return { parts: readZipEntries(bytes, readZipDirectory(bytes), wanted, maxUnpackedBytes) };
  } catch (error) {
    if (!(error instanceof OfficeZipError)) throw error;
    const hint =
      error.code === "SOURCE_TOO_LARGE"
        ? "Split the document, or raise MAX_UNPACKED_BYTES if Office files this large are expected."
        : "Open the file in Word, Excel or PowerPoint (or LibreOffice) and save it again as .docx/.xlsx/.pptx.";
    return { problem: { severity: "error", code: error.code, file, message: `cannot read the Office file: ${error.message}`, hint } };
  }
}
