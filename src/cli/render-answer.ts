/** Plain-text rendering of an `Answer` for the terminal, and the JSON shape API users read. */
import { answerText, citationMarkers } from "../answer/answer-text.js";
import { REPLY_TEXTS } from "../conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../core/medical-disclaimer.js";
import type { Answer } from "../core/types.js";

export function renderAnswerText(answer: Answer): string {
  const blocks: string[] = [];
  if (answer.understoodAs) blocks.push(REPLY_TEXTS.understoodAs(answer.understoodAs));
  for (const paragraph of answer.paragraphs) blocks.push(`${paragraph.text}${citationMarkers(paragraph.citations)}`);
  const lines = [blocks.join("\n\n")];
  if (answer.citations.length > 0) {
    lines.push("", `${REPLY_TEXTS.sourcesHeading}:`);
    for (const citation of answer.citations) lines.push(`[${citation.n}] ${citation.title} ${citation.url}`);
  }
  if (answer.related.length > 0) {
    lines.push("", `${REPLY_TEXTS.relatedHeading}:`);
    for (const related of answer.related) lines.push(`- ${related.title} ${related.url}`);
  }
  if (answer.disclaimer) lines.push("", MEDICAL_DISCLAIMER);
  return lines.join("\n");
}

/** The shape `kb ask --json` and `POST /api/ask` print; `text` is built from the paragraphs here, so it never disagrees with them. */
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
