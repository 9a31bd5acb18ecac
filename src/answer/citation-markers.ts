/**
 * Reads a model-written answer into the structured form: its paragraphs, each with the citation
 * numbers it cites. Only numbers of existing citations survive, the markers leave the text, and
 * the medical disclaimer is never a paragraph — the policy's flag decides it, not the model.
 */
import { MEDICAL_DISCLAIMER } from "../core/medical-disclaimer.js";
import type { AnswerParagraph } from "../core/types.js";

/** `[1]`, `[1, 2]`, `[1，2、3]` and the full-width `【1】`; other bracketed text is left alone. */
const MARKER = /\s*(?:\[(\d+(?:\s*[,，、]\s*\d+)*)\]|【(\d+(?:\s*[,，、]\s*\d+)*)】)/g;

/** A paragraph holding nothing but a disclaimer-style lead-in once the disclaimer is removed. */
const EMPTY_LEAD_IN = /^\s*(?:提示|注意|免责声明)[:：]?\s*$/;

/**
 * Splits `text` at blank lines into paragraphs with the known citation numbers each cites, in
 * order of first mention. Unknown numbers are dropped, disclaimers the model wrote removed, empty
 * paragraphs dropped; a paragraph of markers alone lends its numbers to the paragraph before it.
 */
export function markedParagraphs(text: string, citationNumbers: ReadonlySet<number>): AnswerParagraph[] {
  const paragraphs: AnswerParagraph[] = [];
  for (const block of text.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
    const citations: number[] = [];
    const withoutMarkers = block.replace(MARKER, (_marker, plain: string | undefined, fullWidth: string | undefined) => {
      for (const part of (plain ?? fullWidth ?? "").split(/[,，、]/)) {
        const n = Number(part.trim());
        if (citationNumbers.has(n) && !citations.includes(n)) citations.push(n);
      }
      return "";
    });
    const paragraphText = withoutMarkers
      .split(MEDICAL_DISCLAIMER)
      .join("")
      .replace(/[ \t]+\n/g, "\n")
      .trim();
    if (paragraphText === "" || EMPTY_LEAD_IN.test(paragraphText)) {
      const previous = paragraphs.at(-1);
      if (previous) for (const n of citations) if (!previous.citations.includes(n)) previous.citations.push(n);
      continue;
    }
    paragraphs.push({ text: paragraphText, citations });
  }
  return paragraphs;
}

/** Whether any paragraph rests on a citation: a reply citing nothing cannot be checked. */
export function citesAnything(paragraphs: readonly AnswerParagraph[]): boolean {
  return paragraphs.some((paragraph) => paragraph.citations.length > 0);
}
