/**
 * Picks what to quote from a source: the run of whole sentences that matches the question best,
 * up to a readable length. Quotes start and end at sentence boundaries; an ellipsis marks a cut.
 */
import { keywordTerms } from "../text/keyword-terms.js";

/** A sentence keeps its closing punctuation and the line breaks after it, so quotes keep the layout. */
const SENTENCE = /[^。！？；!?;\n]+(?:[。！？；!?;]+[”’"')）」』]*)?\n*|[。！？；!?;]+\n*|\n+/g;

export function splitSentences(text: string): string[] {
  return (text.match(SENTENCE) ?? [text]).filter((sentence) => sentence.trim() !== "");
}

export function quotePassage(text: string, queryTerms: Set<string>, maxChars: number): string {
  const sentences = splitSentences(text);
  if (text.length <= maxChars || sentences.length <= 1) return text.length <= maxChars ? text.trim() : cut(text, maxChars);
  const scores = sentences.map((sentence) => {
    let score = 0;
    for (const term of new Set(keywordTerms(sentence))) if (queryTerms.has(term)) score++;
    return score;
  });
  // Start from the best-matching sentence (the first one on ties) and grow the window around it.
  let best = 0;
  scores.forEach((score, index) => {
    if (score > scores[best]) best = index;
  });
  // Prefer opening from the start of the text when the best sentence is near it.
  let start = best;
  let end = best + 1;
  let length = sentences[best].length;
  if (length > maxChars) return cut(sentences[best], maxChars);
  while (true) {
    const nextLength = end < sentences.length ? sentences[end].length : Infinity;
    const previousLength = start > 0 ? sentences[start - 1].length : Infinity;
    if (nextLength !== Infinity && length + nextLength <= maxChars && (scores[end] >= (scores[start - 1] ?? -1) || previousLength === Infinity)) {
      length += nextLength;
      end++;
    } else if (previousLength !== Infinity && length + previousLength <= maxChars) {
      length += previousLength;
      start--;
    } else if (nextLength !== Infinity && length + nextLength <= maxChars) {
      length += nextLength;
      end++;
    } else break;
  }
  const quoted = joinSentences(sentences.slice(start, end));
  return `${start > 0 ? "…" : ""}${quoted}${end < sentences.length ? "…" : ""}`;
}

function joinSentences(sentences: string[]): string {
  return sentences.join("").trim();
}

function cut(text: string, maxChars: number): string {
  return `${text.slice(0, maxChars - 1).trim()}…`;
}
