/**
 * WeCom limits message sizes in UTF-8 bytes (2048 / 4096 / 20480), not in characters: a Chinese
 * character is 3 bytes, an emoji 4. These helpers cut only between whole characters.
 */
export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** Longest prefix of `text` that fits in `maxBytes`, cut between whole UTF-8 characters. */
export function utf8Prefix(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // 0b10xxxxxx bytes continue a character; back up to the byte that starts one.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString("utf8");
}

/** `text` cut to `maxBytes` with an ellipsis when something was removed. */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = "…"): string {
  if (utf8ByteLength(text) <= maxBytes) return text;
  return utf8Prefix(text, maxBytes - utf8ByteLength(ellipsis)).trimEnd() + ellipsis;
}

/**
 * Splits `text` into pieces of at most `maxBytes`, preferring to break after a paragraph, then a
 * line, then a sentence end, and only then between any two characters.
 */
export function splitUtf8(text: string, maxBytes: number): string[] {
  if (maxBytes < 4) throw new RangeError("maxBytes must be at least 4 (one UTF-8 character)");
  const pieces: string[] = [];
  let rest = text;
  while (utf8ByteLength(rest) > maxBytes) {
    const window = utf8Prefix(rest, maxBytes);
    let cut = -1;
    for (const separator of ["\n\n", "\n", "。", "！", "？", ". ", "；", "，", " "]) {
      const at = window.lastIndexOf(separator);
      // Breaking very early would make many tiny messages; accept a separator only in the back half.
      if (at > 0 && utf8ByteLength(window.slice(0, at)) >= maxBytes / 2) {
        cut = at + separator.length;
        break;
      }
    }
    if (cut <= 0) cut = window.length;
    const piece = rest.slice(0, cut).trimEnd();
    if (piece) pieces.push(piece);
    rest = rest.slice(cut).replace(/^\s+/, "");
  }
  if (rest.trim()) pieces.push(rest);
  return pieces;
}
