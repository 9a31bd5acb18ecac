/**
 * The one place an answer's plain `text` is made: from its paragraphs, their citation numbers and
 * the disclaimer flag. API users and `kb ask --json` read this text; renderers never do.
 */
import { MEDICAL_DISCLAIMER } from "../core/medical-disclaimer.js";
import type { Answer, AnswerParagraph } from "../core/types.js";

/** `[1][2]` for a paragraph's citations; empty when it cites nothing. */
export function citationMarkers(citations: readonly number[]): string {
  return citations.map((n) => `[${n}]`).join("");
}

/** Each paragraph followed by its `[n]` markers, blank lines between, and the disclaimer last when set. */
export function answerText(answer: { paragraphs: readonly AnswerParagraph[]; disclaimer: boolean }): string {
  // Markers follow the text directly, as Chinese typesetting does ("……使用。[1]").
  const paragraphs = answer.paragraphs.map((paragraph) => `${paragraph.text}${citationMarkers(paragraph.citations)}`);
  if (answer.disclaimer) paragraphs.push(MEDICAL_DISCLAIMER);
  return paragraphs.join("\n\n");
}

/** An answer whose `text` is rebuilt from its structure, for whoever changed paragraphs or the flag. */
export function withAnswerText<T extends Omit<Answer, "text">>(answer: T): T & { text: string } {
  return { ...answer, text: answerText(answer) };
}
