/**
 * The record of every file in an index version (relative path, size, SHA-256) and its checks. The
 * build records the files it wrote; every reader checks a file against its record before parsing it
 * or handing it to hnswlib's native code, so a damaged file is refused by name instead of crashing
 * the process or quietly answering worse. The manifest that holds the records carries its own
 * checksum, so a damaged manifest is refused as well.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { KnowledgeBotError } from "../core/errors.js";
import { INDEX_FILES } from "./index-layout.js";
import type { IndexManifest, StoredManifest, VersionFile } from "./manifest.js";

export const REBUILD_HINT = "Rebuild the index with `kb reindex --full` (a running server keeps serving the version it has loaded).";

/** INDEX_CORRUPT naming the damaged file of a version. */
export function indexFileCorrupt(directory: string, file: string, problem: string, cause?: unknown): KnowledgeBotError {
  return new KnowledgeBotError(
    "INDEX_CORRUPT",
    `Index file ${path.join(directory, file)} is damaged: ${problem}`,
    REBUILD_HINT,
    cause === undefined ? undefined : { cause },
  );
}

function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Streams the file through SHA-256, so a large graph is never held in memory twice. */
async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const before = await identityOf(file);
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  const result = { sha256: hash.digest("hex"), bytes };
  remember(before, await identityOf(file), result.sha256);
  return result;
}

/** A file's inode and the size and times any write to it changes (the change time cannot be set back). */
interface FileIdentity {
  inode: string;
  size: bigint;
  modified: bigint;
  changed: bigint;
}

async function identityOf(file: string): Promise<FileIdentity | null> {
  try {
    const stats = await stat(file, { bigint: true });
    return { inode: `${stats.dev}:${stats.ino}`, size: stats.size, modified: stats.mtimeNs, changed: stats.ctimeNs };
  } catch {
    return null;
  }
}

const sameIdentity = (left: FileIdentity, right: FileIdentity) =>
  left.inode === right.inode && left.size === right.size && left.modified === right.modified && left.changed === right.changed;

/**
 * Checksums this process took, by inode, with the file's size and times when it took them. A
 * re-index checks every file of the serving version it links into the new one; a file it (or the
 * build before it) has hashed and that no write has touched since is not read again. Readers that
 * load a version (serving) never use this: they hash every file.
 */
const knownChecksums = new Map<string, { identity: FileIdentity; sha256: string }>();
/** More files than a few versions hold are not remembered (the oldest are forgotten first). */
const KNOWN_CHECKSUMS_MAX = 4096;

function remember(before: FileIdentity | null, after: FileIdentity | null, sha256: string): void {
  // Changed while it was read: not remembered.
  if (!before || !after || !sameIdentity(before, after)) return;
  knownChecksums.delete(after.inode);
  knownChecksums.set(after.inode, { identity: after, sha256 });
  if (knownChecksums.size > KNOWN_CHECKSUMS_MAX) knownChecksums.delete(knownChecksums.keys().next().value!);
}

/**
 * Keeps remembered checksums valid across hard links made and removed by this build (linking the
 * carried files, pruning old versions), which change only an inode's change time: called right
 * after, for files whose size and modification time are still the ones remembered.
 */
export async function rememberLinkedFiles(files: string[]): Promise<void> {
  await Promise.all(
    files.map(async (file) => {
      const identity = await identityOf(file);
      const known = identity ? knownChecksums.get(identity.inode) : undefined;
      if (identity && known && known.identity.size === identity.size && known.identity.modified === identity.modified) known.identity = identity;
    }),
  );
}

/**
 * Records every file under a finished (staging) version directory except the manifest. A file
 * linked from the previous version keeps that version's record (its bytes were checked against it
 * when this build read them, and a link shares them) once its size on disk agrees; every other
 * file is read back from disk and hashed.
 */
export async function describeVersionFiles(directory: string, carried: { name: string; record: VersionFile }[] = []): Promise<VersionFile[]> {
  const carriedRecords = new Map(carried.map(({ name, record }) => [name, record]));
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const relativePaths = entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"))
    .filter((relative) => relative !== INDEX_FILES.manifest)
    .sort();
  return Promise.all(
    relativePaths.map(async (relative) => {
      const record = carriedRecords.get(relative);
      if (record && record.path === relative && (await stat(path.join(directory, relative))).size === record.bytes) return { ...record };
      return { path: relative, ...(await hashFile(path.join(directory, relative))) };
    }),
  );
}

/** The manifest's JSON: its contents, the file records, and a checksum over both. */
export function sealManifest(manifest: IndexManifest, files: VersionFile[]): string {
  // A manifest carried over from an earlier version keeps none of that version's records.
  const contents: Partial<StoredManifest> = { ...manifest };
  delete contents.files;
  delete contents.checksum;
  // The body is serialized once: the sealed text is the body's JSON with the checksum appended as
  // its last field, byte for byte what JSON.stringify({ ...body, checksum }) gives.
  const body = { ...contents, files };
  const bodyJson = JSON.stringify(body);
  const checksum = sha256(bodyJson);
  const text = `${bodyJson.slice(0, -1)},"checksum":${JSON.stringify(checksum)}}`;
  // What parsing the text gives (plain JSON values throughout, no undefined ones), for reading it back.
  rememberManifest(text, { ...body, checksum } as StoredManifest);
  return text;
}

/**
 * The manifest this process sealed or checked last, as its text and as the object that text
 * parses to. A re-index reads back the manifest the build before it wrote (1.1 MB for medqa);
 * when the text read is exactly this one, it is this object, checked already, and is not parsed
 * again. Manifests are read-only once sealed or read: nothing changes the object.
 */
let lastManifest: { text: string; manifest: StoredManifest } | undefined;

function rememberManifest(text: string, manifest: StoredManifest): void {
  lastManifest = { text, manifest };
}

/** The checked manifest of this exact text when this process sealed or checked it last. */
export function knownManifest(text: string): StoredManifest | undefined {
  return lastManifest !== undefined && lastManifest.text === text ? lastManifest.manifest : undefined;
}

/** A relative path inside the version: plain names joined by `/`, never `..` or absolute. */
const SAFE_RELATIVE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/**
 * Checks a parsed manifest's own checksum and the shape of its file records. The JSON was written
 * by JSON.stringify, so serializing the parsed object again reproduces the checksummed text. Given
 * the text it was parsed from, in the form sealManifest writes, the checksummed text is taken from
 * it instead of serializing the object again (the same text: a match means it is what was sealed).
 */
export function checkManifestSeal(parsed: Record<string, unknown>, directory: string, text?: string): StoredManifest {
  const { checksum, ...body } = parsed;
  const sealedTail = typeof checksum === "string" ? `,"checksum":${JSON.stringify(checksum)}}` : undefined;
  const sealedBody = text !== undefined && sealedTail !== undefined && text.endsWith(sealedTail) ? `${text.slice(0, -sealedTail.length)}}` : undefined;
  const sealed = sealedBody !== undefined && sha256(sealedBody) === checksum;
  if (typeof checksum !== "string" || (!sealed && sha256(JSON.stringify(body)) !== checksum)) {
    throw indexFileCorrupt(directory, INDEX_FILES.manifest, "its checksum does not match its contents");
  }
  const files = body.files;
  const wellFormed =
    Array.isArray(files) &&
    files.every(
      (record: Partial<VersionFile>) =>
        typeof record?.path === "string" &&
        SAFE_RELATIVE_PATH.test(record.path) &&
        Number.isSafeInteger(record.bytes) &&
        record.bytes! >= 0 &&
        typeof record.sha256 === "string" &&
        /^[0-9a-f]{64}$/.test(record.sha256),
    );
  if (!wellFormed) throw indexFileCorrupt(directory, INDEX_FILES.manifest, "its file records are malformed");
  if (text !== undefined) rememberManifest(text, parsed as unknown as StoredManifest);
  return parsed as unknown as StoredManifest;
}

export function fileRecord(manifest: StoredManifest, file: string): VersionFile | undefined {
  return manifest.files.find((record) => record.path === file);
}

function requireRecord(directory: string, manifest: StoredManifest, file: string): VersionFile {
  const record = fileRecord(manifest, file);
  if (!record) throw indexFileCorrupt(directory, file, "the manifest does not list it");
  return record;
}

/** The file's size on disk, refusing a missing file or one whose size differs from its record. */
async function checkSize(directory: string, record: VersionFile): Promise<void> {
  let size: number;
  try {
    size = (await stat(path.join(directory, record.path))).size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw indexFileCorrupt(directory, record.path, code === "ENOENT" ? "it is missing" : `it cannot be read (${code ?? (error as Error).message})`, error);
  }
  if (size !== record.bytes) throw indexFileCorrupt(directory, record.path, `it has ${size} bytes, the manifest records ${record.bytes}`);
}

/**
 * Reads a file of the version after checking its size and checksum; the bytes returned are the
 * bytes checked, so nothing can change between the check and the parse.
 */
export async function readVerifiedFile(directory: string, manifest: StoredManifest, file: string): Promise<Buffer> {
  const record = requireRecord(directory, manifest, file);
  await checkSize(directory, record);
  const bytes = await readFile(path.join(directory, record.path));
  if (bytes.length !== record.bytes || sha256(bytes) !== record.sha256) throw indexFileCorrupt(directory, file, "its checksum does not match the manifest");
  return bytes;
}

/**
 * Checks a file that another reader (hnswlib, LangChain) opens by path itself. With `trustKnown`
 * (a re-index checking a file it links, not a reader), a file whose checksum this process took
 * and that has not been written since is not read again.
 */
export async function verifyFileOnDisk(directory: string, manifest: StoredManifest, file: string, { trustKnown = false } = {}): Promise<void> {
  const record = requireRecord(directory, manifest, file);
  await checkSize(directory, record);
  if (trustKnown) {
    const identity = await identityOf(path.join(directory, record.path));
    const known = identity ? knownChecksums.get(identity.inode) : undefined;
    if (identity && known && sameIdentity(known.identity, identity) && known.sha256 === record.sha256 && identity.size === BigInt(record.bytes)) return;
  }
  const { sha256: actual, bytes } = await hashFile(path.join(directory, record.path));
  if (bytes !== record.bytes || actual !== record.sha256) throw indexFileCorrupt(directory, file, "its checksum does not match the manifest");
}

/** Parses checked bytes, naming the file when they still do not parse. */
export function parseVerifiedJson<T>(directory: string, file: string, bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString("utf8")) as T;
  } catch (error) {
    throw indexFileCorrupt(directory, file, `it is not valid JSON (${(error as Error).message})`, error);
  }
}
