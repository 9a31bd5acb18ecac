/**
 * The JSON shape of an `Answer` that `kb ask --json` and `POST /api/ask` print (and the admin queue's
 * preview reads). It sits here, below both the `kb` command and the HTTP server, so the two share it
 * without one importing the other.
 */
import type { Answer } from "../core/types.js";
import { answerText } from "./answer-text.js";

/** `text` is built from the paragraphs here, so it never disagrees with them. */
export function answerToJson(answer: Answer) {
  return {
    text: answerText(answer),
    paragraphs: answer.paragraphs.map(({ text, citations }) => ({ text, citations })),
    citations: answer.citations.map(({ n, sourceId, title, url }) => ({ n, sourceId, title, url })),
    disclaimer: answer.disclaimer,
    noAnswer: answer.noAnswer,
    related: answer.related,
    passages: answer.passages.map(({ sourceId, chunkId, chunkIndex, score, text }) => ({ sourceId, chunkId, chunkIndex, score, text })),
    ...(answer.understoodAs ? { understoodAs: answer.understoodAs } : {}),
  };
}
