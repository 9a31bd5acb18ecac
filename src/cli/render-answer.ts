/** Plain-text rendering of an `Answer` for the terminal (its JSON shape is src/answer/answer-json.ts). */
import { citationMarkers } from "../answer/answer-text.js";
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
