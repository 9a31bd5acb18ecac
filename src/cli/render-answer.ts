/** Plain-text rendering of an `Answer` for the terminal. */
import type { Answer } from "../core/types.js";

export function renderAnswerText(answer: Answer): string {
  const lines = [answer.text];
  if (answer.citations.length > 0) {
    lines.push("", "来源:");
    for (const citation of answer.citations) lines.push(`[${citation.n}] ${citation.title} ${citation.url}`);
  }
  if (answer.related.length > 0) {
    lines.push("", "相关推荐:");
    for (const related of answer.related) lines.push(`- ${related.title} ${related.url}`);
  }
  return lines.join("\n");
}

/** The shape `kb ask --json` and `POST /api/ask` print. */
export function answerToJson(answer: Answer) {
  return {
    text: answer.text,
    citations: answer.citations.map(({ n, sourceId, title, url }) => ({ n, sourceId, title, url })),
    disclaimer: answer.disclaimer,
    noAnswer: answer.noAnswer,
    related: answer.related,
    passages: answer.passages.map(({ sourceId, chunkId, chunkIndex, score, text }) => ({ sourceId, chunkId, chunkIndex, score, text })),
  };
}
