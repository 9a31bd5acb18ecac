/**
 * Writing and deleting files in the knowledge folder from the console. Uploaded names are
 * sanitised to one plain file name (no folders, no `..`, no hidden or control characters), the
 * extension must be one the loader reads, and every resolved path is checked to stay inside the
 * knowledge folder — also through symbolic links — before anything is written or removed.
 */
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readdir, realpath, rename, rm, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { KnowledgeBotError } from "../../core/errors.js";
import { supportedExtensions } from "../../ingest/load-knowledge.js";

const MAX_NAME_CHARS = 100;
/**
 * File systems allow 255 bytes per name; a CJK character takes 3 and an emoji 4, so 100 characters
 * can be too many. 200 leaves room for the hidden temporary name a replacement is written under.
 */
const MAX_NAME_BYTES = 200;
/** A longer "extension" is not one the loader reads; it is cut like the rest of the name. */
const MAX_KEPT_EXTENSION_CHARS = 16;
const MAX_LISTED_FILES = 5000;
/**
 * Bidirectional controls (LRM, RLM, ALM, the embeddings, overrides and isolates): invisible, and
 * able to make `gpj.md` read as `dm.jpg` on the documents page. They are never part of a real name.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A safe plain file name for an uploaded one, or undefined when nothing usable is left. */
export function sanitizeUploadName(name: string): string | undefined {
  // Browsers may send a full Windows path; only the last part is the name.
  const base = name.normalize("NFC").split(/[\\/]/).pop() ?? "";
  let cleaned = base
    .replace(/\p{Cc}/gu, "")
    .replace(BIDI_CONTROLS, "")
    .replace(/[<>:"|?*]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    // No hidden files and no `..`: a name never starts with a dot.
    .replace(/^\.+/, "")
    .trim();
  const extension = path.extname(cleaned).toLowerCase();
  if ([...cleaned].length > MAX_NAME_CHARS || Buffer.byteLength(cleaned, "utf8") > MAX_NAME_BYTES) {
    cleaned = shortenName(cleaned, extension.length <= MAX_KEPT_EXTENSION_CHARS ? extension : "");
  }
  if (!cleaned || cleaned === extension || /^\.*$/.test(cleaned)) return undefined;
  return cleaned;
}

/** The name cut to MAX_NAME_CHARS characters and MAX_NAME_BYTES bytes, between whole characters, its extension kept. */
function shortenName(name: string, extension: string): string {
  const stem = [...graphemes.segment(name.slice(0, name.length - extension.length))].map((part) => part.segment);
  let chars = 0;
  let bytes = Buffer.byteLength(extension, "utf8");
  let kept = "";
  for (const part of stem) {
    const partBytes = Buffer.byteLength(part, "utf8");
    const partChars = [...part].length;
    if (chars + partChars + [...extension].length > MAX_NAME_CHARS || bytes + partBytes > MAX_NAME_BYTES) break;
    kept += part;
    chars += partChars;
    bytes += partBytes;
  }
  return `${kept.trim()}${extension}`;
}

/** The absolute path of `relative` inside `root`, or undefined when it would leave the folder. */
export function insideFolder(root: string, relative: string): string | undefined {
  const resolved = path.resolve(root, relative);
  const fromRoot = path.relative(path.resolve(root), resolved);
  if (fromRoot === "" || fromRoot === ".." || fromRoot.startsWith(`..${path.sep}`) || path.isAbsolute(fromRoot)) return undefined;
  return resolved;
}

function uploadInvalid(message: string, hint: string): KnowledgeBotError {
  return new KnowledgeBotError("UPLOAD_INVALID", message, hint);
}

/** Writes an uploaded file at the top of the knowledge folder; returns the name it was written under. */
export async function writeUpload(knowledgeDir: string, name: string, bytes: Uint8Array, maxBytes: number): Promise<string> {
  if (bytes.byteLength > maxBytes) throw uploadInvalid(`The file is larger than ${maxBytes} bytes.`, "Upload a smaller file; the limit is MAX_UPLOAD_BYTES.");
  if (bytes.byteLength === 0) throw uploadInvalid("The file is empty.", "Choose a file with content.");
  const safeName = sanitizeUploadName(name);
  if (!safeName) throw uploadInvalid("The file name has nothing usable in it.", "Rename the file, e.g. 医保问答.md, and upload it again.");
  const extension = path.extname(safeName).toLowerCase();
  const supported = supportedExtensions();
  if (!supported.includes(extension)) {
    throw uploadInvalid(`Files ending in ${extension || "(no extension)"} are not read.`, `Upload one of: ${supported.join(" ")}.`);
  }
  await mkdir(knowledgeDir, { recursive: true });
  const target = insideFolder(knowledgeDir, safeName);
  if (!target) throw uploadInvalid("The file name points outside the knowledge folder.", "Upload a plain file name.");
  try {
    // "wx": never overwrite, and never follow a link someone left under that name.
    await writeFile(target, bytes, { flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw uploadInvalid(`${safeName} already exists in the knowledge folder.`, "Delete the old file first, or rename the new one.");
    }
    throw error;
  }
  return safeName;
}

/** Deletes one regular file inside the knowledge folder (the path as the documents page lists it). */
export async function deleteKnowledgeFile(knowledgeDir: string, relative: string): Promise<void> {
  const target = insideFolder(knowledgeDir, relative);
  if (!target) throw uploadInvalid("That path is outside the knowledge folder.", "Delete a file listed on the documents page.");
  let stats;
  try {
    stats = await lstat(target);
  } catch {
    throw uploadInvalid(`${relative} does not exist.`, "Reload the documents page; it may have been deleted already.");
  }
  if (!stats.isFile()) throw uploadInvalid(`${relative} is not a regular file.`, "Only files can be deleted here, not folders or links.");
  // The folder part may still be a link to elsewhere: the real path must be inside the real folder.
  const realRoot = await realpath(knowledgeDir);
  if (!insideFolder(realRoot, path.relative(realRoot, await realpath(target)))) {
    throw uploadInvalid("That path leads outside the knowledge folder.", "Delete a file listed on the documents page.");
  }
  await unlink(target);
}

/** Every file in the knowledge folder, relative and with `/` separators, for the documents page. */
export async function listKnowledgeFiles(knowledgeDir: string): Promise<{ file: string; bytes: number }[]> {
  const found: { file: string; bytes: number }[] = [];
  async function walk(folder: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (found.length >= MAX_LISTED_FILES || entry.name.startsWith(".")) continue;
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) found.push({ file: path.relative(knowledgeDir, full).split(path.sep).join("/"), bytes: (await lstat(full)).size });
    }
  }
  await walk(knowledgeDir);
  return found.sort((left, right) => left.file.localeCompare(right.file));
}

/**
 * Replaces one file at the top of the knowledge folder in a single step: the text goes to a hidden
 * temporary file beside it (the loader and the documents page skip hidden files), which is then
 * renamed over the old one, so a re-index running meanwhile reads the old file or the new, never half.
 */
export async function replaceKnowledgeFile(knowledgeDir: string, name: string, text: string): Promise<void> {
  await mkdir(knowledgeDir, { recursive: true });
  const target = insideFolder(knowledgeDir, name);
  if (!target || path.dirname(target) !== path.resolve(knowledgeDir))
    throw uploadInvalid(`${name} is not a plain file name.`, "Write a file at the top of the knowledge folder.");
  const temporary = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    // "wx": a fresh file of our own, never one someone placed (or linked) under that name.
    await writeFile(temporary, text, { encoding: "utf8", flag: "wx" });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
