/**
 * `GET /kb-file/:sourceId` (only with SERVE_ORIGINAL_FILES=true): the original file of a document
 * source (a PDF, a Word file, a slide deck, a scanned page), so a reader can check the citation
 * against it. Never the file of a table row: a spreadsheet, CSV or JSONL holds every other row, the
 * columns that were not indexed and hidden sheets, while an FAQ row's source page already shows all
 * that was indexed of it. Only a file an indexed source is wholly read from is served, and only from
 * inside the knowledge folder (symbolic links resolved first).
 */
import { open, realpath } from "node:fs/promises";
import path from "node:path";
import type { SourceDoc } from "../core/types.js";

/** The document formats whose one file is one source, and the types they are served as. */
const CONTENT_TYPES: Record<string, string> = {
  ".pdf": "application/pdf",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
};

/**
 * True for a source read whole from a document file (PDF, Word, slides, a scan), whose original
 * may be offered; false for table rows (CSV, XLSX, JSONL), a spreadsheet's sheet, and text pages.
 */
export function hasOriginalFile(source: SourceDoc): boolean {
  return (
    (source.kind === "document" || source.kind === "page") &&
    source.sourceId === source.file &&
    Object.hasOwn(CONTENT_TYPES, path.extname(source.file).toLowerCase())
  );
}

export interface OriginalFile {
  bytes: Buffer;
  headers: Record<string, string>;
}

/**
 * The file's bytes and response headers, or undefined when `file` is not inside `knowledgeDir`,
 * is not a regular file, or is larger than `maxBytes`.
 */
export async function readOriginalFile(knowledgeDir: string, file: string, maxBytes: number): Promise<OriginalFile | undefined> {
  if (file === "" || path.isAbsolute(file) || file.split(/[\\/]/).includes("..")) return undefined;
  let root: string;
  let absolute: string;
  try {
    root = await realpath(knowledgeDir);
    absolute = await realpath(path.join(root, file));
  } catch {
    return undefined;
  }
  const relative = path.relative(root, absolute);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return undefined;
  const handle = await open(absolute, "r").catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    const bytes = await handle.readFile();
    const name = path.basename(file);
    // An ASCII fallback name for old clients and the real (often Chinese) name in RFC 5987 form.
    const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
    return {
      bytes,
      headers: {
        "Content-Type": CONTENT_TYPES[path.extname(name).toLowerCase()] ?? "application/octet-stream",
        "Content-Disposition": `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`,
        "Content-Length": String(bytes.length),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
      },
    };
  } finally {
    await handle.close();
  }
}
