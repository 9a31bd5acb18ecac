/**
 * The part of a question that asks: a short chat question is all question; a long description
 * ("我今年50岁，前年查出…，请问高血压可以吃什么药") asks in its last clause that holds a question
 * word, and the clauses before it tell the story. Words of the story need no source of their own.
 */

/** Questions up to this many characters are asked whole (chat questions are 5–30 characters). */
const SHORT_QUESTION_CHARACTERS = 40;

/** Clauses end at commas too: "我今年50岁，前年查出…，请问高血压可以吃什么药" asks in its last clause. */
const SENTENCE_END = /[。！？!?；;，,\n]+/u;
const QUESTION_WORD = /吗|么|呢|怎|如何|什么|多少|哪|几|能否|能不能|可不可以|是否|是不是|有没有|会不会|要不要|\?|？/u;

/** A chat question short enough to be all question (normalizeText form). */
export const isShortQuestion = (normalized: string) => normalized.length <= SHORT_QUESTION_CHARACTERS;

/** `normalized` is in normalizeText form; returns [start, end) of the asking part. */
export function askedPart(normalized: string): [number, number] {
  if (isShortQuestion(normalized)) return [0, normalized.length];
  let best: [number, number] | undefined;
  let start = 0;
  for (const match of normalized.matchAll(new RegExp(SENTENCE_END, "gu"))) {
    const end = match.index + match[0].length;
    if (QUESTION_WORD.test(normalized.slice(start, end))) best = [start, end];
    start = end;
  }
  if (start < normalized.length && QUESTION_WORD.test(normalized.slice(start))) best = [start, normalized.length];
  return best ?? [0, 0];
}
