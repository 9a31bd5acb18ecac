/**
 * Telegram's HTML parse mode knows only four named entities; everything that comes from users or
 * from knowledge sources goes through these two functions before it is put next to markup.
 */

/** Escapes text placed between tags. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes a value placed inside a double-quoted attribute (`href`). */
export function escapeAttribute(value: string): string {
  return escapeHtml(value).replace(/"/g, "&quot;");
}
