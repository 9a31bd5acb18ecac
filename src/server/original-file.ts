/**
 * `GET /kb-file/:sourceId`: the original file an indexed source was read from (a PDF, an Office
 * document), so a reader can check the citation against it. Only a file that an indexed source
 * names is served, and only from inside the knowledge folder (symbolic links resolved first).
 */
import { open, realpath } from "node:fs/promises";
import path from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".pdf": "application/pdf",
  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".csv": "text/csv; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
};

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
