/**
 * Picks what to quote from a source: the whole sentences that match the question best, weighed by
 * how rare the question's words they contain are, within a length that suits chat, shown in the
 * source's order. A heading or lead-in line comes along only directly before a quoted sentence,
 * so a quote never ends on one; a sentence too long on its own is cut at a clause mark, the only
 * case that ends in "…".
 */
import { keywordTerms } from "../text/keyword-terms.js";
import type { SourceSentence } from "./source-sentences.js";

export interface Quote {
  text: string;
  /** Chunk of the first quoted sentence: where the citation opens the source page. */
  chunkIndex: number;
}

export interface QuoteOptions {
  maxChars: number;
  /** Weight of a question term; rarer words should weigh more. */
  termWeight?: (term: string) => number;
  /** A Q&A answer usually opens with the answer itself, so its first sentence is quoted when it fits. */
  opensWithAnswer?: boolean;
  /** The two things a comparison question names: a sentence about both weighs double (it states the difference). */
  comparedTerms?: [ReadonlySet<string>, ReadonlySet<string>];
}

/** A further sentence is quoted only when it matches at least this share of the best one's weight. */
const MIN_SHARE_OF_BEST = 0.5;
const CLAUSE_MARK = /[，,、：:]/g;

export function quoteSentences(sentences: readonly SourceSentence[], queryTerms: ReadonlySet<string>, options: QuoteOptions): Quote | undefined {
  const weight = options.termWeight ?? (() => 1);
  const quotable = sentences.filter((sentence) => sentence.role === "sentence");
  if (quotable.length === 0) return undefined;
  const scores = new Map(quotable.map((sentence) => [sentence, matchWeight(sentence.text, queryTerms, weight, options.comparedTerms)]));
  const best = Math.max(...scores.values());
  const ranked =
    best === 0
      ? quotable
      : quotable
          .filter((sentence) => scores.get(sentence)! >= best * MIN_SHARE_OF_BEST)
          .sort((left, right) => scores.get(right)! - scores.get(left)! || left.position - right.position);
  if (options.opensWithAnswer && best > 0 && !ranked.includes(quotable[0])) ranked.splice(1, 0, quotable[0]);

  // A source short enough is quoted whole, up to its last whole sentence (a cut-short excerpt too).
  const whole = sentences.filter((sentence) => sentence.role !== "unfinished" && sentence.role !== "disclaimer");
  while (whole.length > 0 && whole[whole.length - 1].role !== "sentence") whole.pop();
  const wholeText = render(whole, sentences);
  if (wholeText.length <= options.maxChars) return { text: wholeText, chunkIndex: whole[0].chunkIndex };

  const selected = new Set<SourceSentence>();
  const fits = (sentence: SourceSentence) => render([...selected, sentence], sentences).length <= options.maxChars;
  for (const sentence of ranked) if (fits(sentence)) selected.add(sentence);
  if (selected.size === 0) return { text: cutAtClause(ranked[0].text.trim(), options.maxChars), chunkIndex: ranked[0].chunkIndex };

  // The paragraph goes on: a quoted sentence brings the question-related ones right after it in its paragraph.
  for (const sentence of [...selected].sort((left, right) => left.position - right.position)) {
    for (let next = sentences[sentence.position + 1], previous = sentence; next; previous = next, next = sentences[next.position + 1]) {
      if (previous.text.endsWith("\n") || !next.followsPrevious || next.role !== "sentence" || !(scores.get(next)! > 0)) break;
      if (!selected.has(next)) {
        if (!fits(next)) break;
        selected.add(next);
      }
    }
  }
  // Context: the heading or lead-in right before a quoted sentence, most relevant sentence first.
  for (const sentence of [...selected]) {
    const before = sentences[sentence.position - 1];
    if (sentence.followsPrevious && before && (before.role === "heading" || before.role === "lead") && !selected.has(before) && fits(before))
      selected.add(before);
  }
  const first = [...selected].sort((left, right) => left.position - right.position)[0];
  return { text: render([...selected], sentences), chunkIndex: first.chunkIndex };
}

/** How much of the question a text holds: the weights of the question's terms in it (doubled when it names both sides of a comparison). */
export function matchWeight(
  text: string,
  queryTerms: ReadonlySet<string>,
  weight: (term: string) => number = () => 1,
  comparedTerms?: [ReadonlySet<string>, ReadonlySet<string>],
): number {
  const terms = new Set(keywordTerms(text));
  let total = 0;
  for (const term of terms) if (queryTerms.has(term)) total += weight(term);
  const mentions = (side: ReadonlySet<string>) => [...side].some((term) => terms.has(term));
  return comparedTerms && mentions(comparedTerms[0]) && mentions(comparedTerms[1]) ? total * 2 : total;
}

/** The chosen sentences in source order, as written (their own line breaks keep lists and paragraphs). */
function render(chosen: readonly SourceSentence[], sentences: readonly SourceSentence[]): string {
  const positions = new Set(chosen.map((sentence) => sentence.position));
  let text = "";
  for (const sentence of sentences) if (positions.has(sentence.position)) text += text === "" ? sentence.text.trimStart() : sentence.text;
  return text.replace(/\n{3,}/g, "\n\n").trim();
}

function cutAtClause(text: string, maxChars: number): string {
  let cut = -1;
  for (const match of text.matchAll(CLAUSE_MARK)) if (match.index! < maxChars - 1) cut = match.index!;
  return `${(cut > 0 ? text.slice(0, cut) : text.slice(0, maxChars - 1)).trim()}…`;
}
