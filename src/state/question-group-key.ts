/**
 * The key that groups slightly different wordings of one question in the admin queue: the shared
 * normal form (full-width → half-width, traditional → simplified, case folded) without punctuation,
 * symbols or whitespace, so "宝宝湿疹怎么护理" and "宝宝濕疹怎麼護理？ " are one entry.
 */
import { normalizeText } from "../text/normalize-text.js";

/** Long enough for any real question; bounds the index key whatever was let through. */
const MAX_KEY_CHARS = 500;

export function questionGroupKey(text: string): string {
  return [...normalizeText(text).replace(/[\p{P}\p{S}\p{Z}\s]+/gu, "")].slice(0, MAX_KEY_CHARS).join("");
}
