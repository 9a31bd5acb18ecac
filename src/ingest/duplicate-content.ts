/**
 * The same content under two names (a page saved as both `.html` and `.htm`, a PDF copied twice):
 * indexed once, from the first file in folder order, and reported `SOURCE_DUPLICATE` naming both, so
 * the bot does not cite the same text twice and an admin knows which copy to delete.
 */
import { createHash } from "node:crypto";
import type { SourceDoc } from "../core/types.js";
import { BuildPacer } from "../core/build-pacer.js";
import type { SourceProblem } from "./source-problem.js";

/** Bytes hashed between checks of the pacer: a 50 MB file is hashed in slices, not in one step. */
const HASH_SLICE_BYTES = 4 * 1024 * 1024;

export class DuplicateContent {
  private readonly filesByBytes = new Map<string, string>();
  /**
   * Files whose text was indexed, grouped by how many record separators their text key holds.
   * Equal keys need equal counts, so a file is only normalized and hashed once another file of
   * the same count turns up: a folder of one large FAQ table (the usual case) is never hashed.
   */
  private readonly textFilesByShape = new Map<number, TextFile[]>();

  /** Same bytes as an earlier file: checked before parsing, so a copied PDF is not parsed twice. */
  async sameBytes(file: string, bytes: Buffer, pacer: BuildPacer = new BuildPacer()): Promise<SourceProblem | undefined> {
    return this.sameBytesHash(file, await hashBytes(bytes, pacer));
  }

  /** `sameBytes` for bytes whose SHA-256 (hex, from hashBytes) the caller has already taken. */
  sameBytesHash(file: string, key: string): SourceProblem | undefined {
    const earlier = this.filesByBytes.get(key);
    if (earlier !== undefined) return duplicateProblem(earlier, file);
    this.filesByBytes.set(key, file);
    return undefined;
  }

  /** Same text once parsed (other markup, whitespace or encoding): checked on the file's sources together. */
  async sameText(file: string, sources: SourceDoc[], pacer: BuildPacer = new BuildPacer()): Promise<SourceProblem | undefined> {
    if (sources.length === 0) return undefined;
    const shape = await separatorCount(sources, pacer);
    const candidates = this.textFilesByShape.get(shape);
    const current: TextFile = { file, sources };
    if (!candidates) {
      this.textFilesByShape.set(shape, [current]);
      return undefined;
    }
    // Candidates are in folder order, so the first match is the copy that was indexed.
    const currentKey = await textKey(current, pacer);
    for (const candidate of candidates) {
      if ((await textKey(candidate, pacer)) === currentKey) return duplicateProblem(candidate.file, file);
    }
    candidates.push(current);
    return undefined;
  }
}

/** Hex SHA-256 of a file's bytes, in slices between which the pacer may pause. */
export async function hashBytes(bytes: Buffer, pacer: BuildPacer = new BuildPacer()): Promise<string> {
  const hash = createHash("sha256");
  for (let start = 0; start < bytes.length; start += HASH_SLICE_BYTES) {
    hash.update(bytes.subarray(start, start + HASH_SLICE_BYTES));
    if (pacer.due()) await pacer.pause();
  }
  return hash.digest("hex");
}

interface TextFile {
  file: string;
  sources: SourceDoc[];
  /** SHA-256 of the normalized text, computed on first comparison. */
  key?: string;
}

const FIELD_SEPARATOR = "\u0000";
const RECORD_SEPARATOR = "\u0001";

/**
 * The file's normalized titles and texts as one hash: what two copies of the same content share.
 * Hashed source by source (the same digest as hashing them joined), pausing as the pacer asks.
 */
async function textKey(textFile: TextFile, pacer: BuildPacer): Promise<string> {
  if (textFile.key !== undefined) return textFile.key;
  const hash = createHash("sha256");
  for (const [index, source] of textFile.sources.entries()) {
    if (index > 0) hash.update(RECORD_SEPARATOR);
    hash.update(`${normalize(source.title)}${FIELD_SEPARATOR}${normalize(source.text)}`);
    if (pacer.due()) await pacer.pause();
  }
  textFile.key = hash.digest("hex");
  return textFile.key;
}

/**
 * Record separators in the text key, counted on the raw fields: normalizing neither adds nor
 * removes U+0001 (NFKC maps no character to a control character, and it is not whitespace).
 */
async function separatorCount(sources: SourceDoc[], pacer: BuildPacer): Promise<number> {
  let count = sources.length - 1;
  for (const source of sources) {
    count += occurrences(source.title, RECORD_SEPARATOR) + occurrences(source.text, RECORD_SEPARATOR);
    if (pacer.due()) await pacer.pause();
  }
  return count;
}

function occurrences(text: string, character: string): number {
  let count = 0;
  for (let index = text.indexOf(character); index !== -1; index = text.indexOf(character, index + 1)) count++;
  return count;
}

function duplicateProblem(earlier: string, file: string): SourceProblem {
  return {
    severity: "warning",
    code: "SOURCE_DUPLICATE",
    file,
    message: `same content as ${earlier}; indexed once, from ${earlier}`,
    hint: `Delete one of ${earlier} and ${file}.`,
  };
}

/** Width forms, case and whitespace do not make a different text. */
function normalize(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/g, "");
}
