/**
 * Removes what a chat message carries besides the question: @mentions, bot commands, greetings
 * and politeness ("医生你好", "请问", "谢谢"). Matching-level normalisation (full-width, traditional
 * characters) happens when terms are extracted, so the cleaned text keeps the user's spelling.
 */

const MENTION = /(^|\s)@[\p{L}\p{N}_.-]+/gu;
const LEADING_COMMAND = /^\s*\/[a-z][a-z0-9_]*(?:@[a-z0-9_]+)?(?=\s|$)/i;
const FILLER_PHRASES = [
  "医生您好",
  "医生你好",
  "大夫您好",
  "大夫你好",
  "您好",
  "你好",
  "在吗",
  "请问一下",
  "请问",
  "麻烦问一下",
  "麻烦问下",
  "想问一下",
  "想问下",
  "问一下",
  "咨询一下",
  "谢谢医生",
  "谢谢大夫",
  "谢谢您",
  "谢谢你",
  "谢谢",
  "多谢",
  "感谢",
];
const FILLER = new RegExp(`(?:${FILLER_PHRASES.join("|")})[，,。！!、~～\\s]*`, "g");

export function cleanQuery(text: string): string {
  return text
    .replace(LEADING_COMMAND, " ")
    .replace(MENTION, " ")
    .replace(FILLER, " ")
    .replace(/[\s\u3000]+/g, " ")
    .replace(/^[\s，,。.！!？?、~～]+/, "")
    .trim();
}
