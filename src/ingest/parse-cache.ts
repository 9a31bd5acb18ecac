/**
 * Parsed documents kept with the index version, so a re-index parses only added and changed
 * files. Parsing a large workbook takes seconds and OCR of a scanned PDF far longer, while hashing
 * the file's bytes (done anyway to find duplicate files) takes milliseconds; so a document whose
 * bytes hash to a parse the serving version kept is not parsed again.
 *
 * An entry is keyed by the file's SHA-256, its extension, the limits that shape a parse and this
 * cache's format, and lives in the version as `parsed/<key>.json`, listed in the manifest with its
 * size and checksum like every other file and checked before it is read. A new version takes the
 * entries it reused from the previous one by hard link (never opened for writing afterwards) and
 * writes only new ones. Only binary documents are kept (text formats parse faster than an entry
 * would be read back), and never a parse that reported an error: an error may come from the
 * machine (Tesseract missing, an OCR timeout) rather than the file, and must be retried.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { INDEX_FILES } from "../store/index-layout.js";
import type { StoredVersion } from "../store/version-reader.js";
import { fileRecord, parseVerifiedJson, readVerifiedFile } from "../store/version-files.js";
import type { CarriedFile } from "../store/version-writer.js";
import type { IndexLimits } from "./index-limits.js";
import type { ParsedFile } from "./parsed-file.js";
import { isDocument } from "./parse-file.js";
import { csvRowReuse } from "./csv-row-reuse.js";

/** Raised when a parser's output changes shape, so entries of older builds are not reused. */
const PARSE_CACHE_FORMAT = 1;

export class ParseCache {
  /** Entries reused from the previous version, and new ones, by name. */
  private readonly reused = new Map<string, CarriedFile>();
  private readonly fresh = new Map<string, string>();

  /**
   * Large tables' last parses (csv-row-reuse.ts), kept by every build that has a parse cache, and
   * reused for their unchanged rows only when this build may reuse parses at all.
   */
  readonly tableRows = csvRowReuse;

  /** `previous` is the serving version (null on a first build or when nothing may be reused). */
  constructor(
    private readonly previous: StoredVersion | null,
    private readonly limits: IndexLimits,
  ) {}

  /** True when this build may reuse earlier parses (not a first build, not `--full`). */
  get reusesParses(): boolean {
    return this.previous !== null;
  }

  /** The entry key of a file, or undefined for a format that is not kept. */
  keyOf(file: string, bytesSha256: string): string | undefined {
    if (!isDocument(file)) return undefined;
    // Limits that do not shape a parse (waiting, chunk count, file size) are left out of the key.
    const parseLimits: Partial<IndexLimits> = { ...this.limits };
    delete parseLimits.lockWaitMs;
    delete parseLimits.maxChunks;
    delete parseLimits.maxFileBytes;
    return createHash("sha256")
      .update(JSON.stringify([PARSE_CACHE_FORMAT, path.extname(file).toLowerCase(), parseLimits, bytesSha256]))
      .digest("hex");
  }

  /** The previous version's parse under `key`, checked against its manifest; undefined when there is none or it does not check out. */
  async reuse(key: string): Promise<ParsedFile | undefined> {
    const name = entryName(key);
    const previous = this.previous;
    const record = previous ? fileRecord(previous.manifest, name) : undefined;
    if (!previous || !record || this.reused.has(name) || this.fresh.has(name)) return undefined;
    try {
      const parsed = parseVerifiedJson<ParsedFile>(previous.directory, name, await readVerifiedFile(previous.directory, previous.manifest, name));
      if (!Array.isArray(parsed?.sources) || !Array.isArray(parsed.problems)) return undefined;
      this.reused.set(name, { name, from: previous.directory, record });
      return parsed;
    } catch {
      // A damaged entry is parsed again rather than trusted.
      return undefined;
    }
  }

  /** Keeps a fresh parse for the next re-index, unless it reported an error. */
  keep(key: string, parsed: ParsedFile): void {
    if (parsed.problems.some((problem) => problem.severity === "error")) return;
    const name = entryName(key);
    if (!this.reused.has(name) && !this.fresh.has(name)) this.fresh.set(name, JSON.stringify(parsed));
  }

  /** Reused entries, which the new version links from the previous one. */
  carried(): CarriedFile[] {
    return [...this.reused.values()];
  }

  /** New entries, which the new version writes. */
  written(): { name: string; contents: string }[] {
    return [...this.fresh].map(([name, contents]) => ({ name, contents }));
  }
}

function entryName(key: string): string {
  return `${INDEX_FILES.parsed}/${key}.json`;
}
