/** A bounded file read: every file of the knowledge folder is untrusted and checked before it is loaded. */
import { type FileHandle, open } from "node:fs/promises";

/** The file's bytes, or null with the size seen when it is over the limit. */
export type BoundedRead = { bytes: Buffer } | { bytes: null; size: string };

/** Read size once the file turned out larger than `stat` said. */
const GROWTH_READ_BYTES = 64 * 1024;

/**
 * Reads a file only when `stat` says it is within `maxBytes`, and never more than one byte past the
 * limit, so a file that grows between the check and the read is still refused without being loaded.
 */
export async function readAtMost(absolute: string, maxBytes: number): Promise<BoundedRead> {
  const handle: FileHandle = await open(absolute, "r");
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { bytes: null, size: String(size) };
    const parts: Buffer[] = [];
    let total = 0;
    // One byte more than stat reported, to notice a file that is still growing.
    let want = size + 1;
    while (total <= maxBytes) {
      const part = Buffer.alloc(Math.min(want, maxBytes + 1 - total));
      const { bytesRead } = await handle.read(part, 0, part.length, total);
      if (bytesRead === 0) break;
      parts.push(part.subarray(0, bytesRead));
      total += bytesRead;
      want = GROWTH_READ_BYTES;
    }
    if (total > maxBytes) return { bytes: null, size: `at least ${total}` };
    return { bytes: parts.length === 1 ? parts[0] : Buffer.concat(parts, total) };
  } finally {
    await handle.close();
  }
}
