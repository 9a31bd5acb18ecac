/**
 * Turns retrieval results into the platform-neutral `Answer`: the best passages quoted faithfully
 * and trimmed at sentence boundaries, one paragraph per cited source resting on its citation,
 * passages of one source merged, near-duplicates dropped, the disclaimer decided by the policy,
 * and related sources.
 */
import { withAnswerText } from "../answer/answer-text.js";
import type { Answer, AnswerParagraph, Citation, Passage, RelatedSource, SearchHit, SourceDoc } from "../core/types.js";
import { needsDisclaimer } from "./disclaimer-policy.js";
import { keywordTerms } from "../text/keyword-terms.js";
import { quotePassage } from "./quote-passage.js";
import { sourceLink } from "./source-link.js";
import type { RetrievalResult } from "./retrieve.js";

export interface ComposeOptions {
  /** Base of the bot's own source pages, e.g. https://bot.example.org (no trailing slash). */
  publicBaseUrl: string;
  maxQuoteChars: number;
  maxCitations: number;
  /** A further source is cited only if its score is at least this share of the best one. */
  citeScoreRatio: number;
  maxRelated: number;
}

export const DEFAULT_COMPOSE_OPTIONS: Omit<ComposeOptions, "publicBaseUrl"> = {
  maxQuoteChars: 320,
  maxCitations: 3,
  citeScoreRatio: 0.8,
  maxRelated: 3,
};

export const NO_ANSWER_TEXT = "抱歉，知识库里没有找到与这个问题相关的内容。可以换个说法，或把问题描述得更具体一些再试试。";

export function noAnswer(): Answer {
  return withAnswerText({ paragraphs: [{ text: NO_ANSWER_TEXT, citations: [] }], passages: [], citations: [], disclaimer: false, related: [], noAnswer: true });
}

export function composeAnswer(result: RetrievalResult, sources: Map<string, SourceDoc>, options: ComposeOptions): Answer {
  if (result.noAnswer || result.hits.length === 0) return noAnswer();
  const queryTerms = new Set(result.queryTerms);
  const topScore = result.hits[0].score;
  const cited: { hit: SearchHit; source: SourceDoc; quote: string; passages: Passage[] }[] = [];
  const quotedTermSets: Set<string>[] = [];

  for (const hit of result.hits) {
    if (cited.length >= options.maxCitations || hit.score < topScore * options.citeScoreRatio) break;
    const source = sources.get(hit.sourceId);
    if (!source) continue;
    const passages = [...hit.passages].sort((left, right) => left.chunkIndex - right.chunkIndex).slice(0, 2);
    const quote = quotePassage(mergePassages(passages, source), queryTerms, options.maxQuoteChars);
    const terms = new Set(keywordTerms(quote));
    if (quotedTermSets.some((earlier) => similarity(earlier, terms) > 0.8)) continue;
    quotedTermSets.push(terms);
    cited.push({ hit, source, quote, passages });
  }
  if (cited.length === 0) return noAnswer();

  const citations: Citation[] = cited.map(({ source, passages }, index) => ({
    n: index + 1,
    sourceId: source.sourceId,
    title: source.title,
    url: sourceLink(options.publicBaseUrl, source.sourceId, source.url, { chunkIndex: passages[0]?.chunkIndex, location: passages[0]?.location }),
  }));
  const disclaimer = needsDisclaimer(cited.map(({ source, quote }) => ({ sourceDisclaimer: source.disclaimer, title: source.title, quotedText: quote })));
  const paragraphs: AnswerParagraph[] = cited.map(({ quote }, index) => ({ text: quote, citations: [index + 1] }));

  const citedIds = new Set(cited.map(({ source }) => source.sourceId));
  const related: RelatedSource[] = result.hits
    .filter((hit) => !citedIds.has(hit.sourceId))
    .slice(0, options.maxRelated)
    .map((hit) => ({ sourceId: hit.sourceId, title: hit.title, url: sourceLink(options.publicBaseUrl, hit.sourceId, hit.url) }));

  return withAnswerText({
    paragraphs,
    passages: cited.flatMap(({ passages }) => passages),
    citations,
    disclaimer,
    related,
    noAnswer: false,
  });
}

/** Joins a source's chunks in order, dropping the overlap they share and a repeated Q&A question. */
function mergePassages(passages: Passage[], source: SourceDoc): string {
  let merged = "";
  for (const passage of passages) {
    let text = passage.text;
    if (source.question && text.startsWith(`${source.question}\n`)) text = text.slice(source.question.length + 1);
    merged = merged === "" ? text : appendWithoutOverlap(merged, text);
  }
  return merged;
}

function appendWithoutOverlap(left: string, right: string): string {
  for (let size = Math.min(left.length, right.length); size >= 10; size--) {
    if (left.endsWith(right.slice(0, size))) return left + right.slice(size);
  }
  return `${left}\n\n${right}`;
}

function similarity(left: Set<string>, right: Set<string>): number {
  let shared = 0;
  for (const term of left) if (right.has(term)) shared++;
  const union = left.size + right.size - shared;
  return union === 0 ? 1 : shared / union;
}
