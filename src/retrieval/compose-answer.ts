/**
 * Turns retrieval results into the platform-neutral `Answer`: whole sentences of the best source
 * that match the question (and of a second source when the question compares two things and the
 * best one covers only one of them), within the platform's answer length, one paragraph per cited
 * source resting on its citation, whose link opens the source at the chunk of the first quoted
 * sentence (a paged document is quoted from the one page that answers, and cited at that page);
 * the disclaimer decided by the policy, and related sources.
 */
import { withAnswerText } from "../answer/answer-text.js";
import { noAnswerReply, noAnswerSuggestions } from "./no-answer-reply.js";
import type { Answer, AnswerParagraph, Citation, RelatedSource, SearchHit, SourceDoc } from "../core/types.js";
import { keywordTerms } from "../text/keyword-terms.js";
import { comparedSides } from "./compared-sides.js";
import { needsDisclaimer } from "./disclaimer-policy.js";
import { passagesOfAnsweringPage } from "./answering-page.js";
import { matchWeight, quoteSentences, type Quote } from "./quote-passage.js";
import { sourceLink } from "./source-link.js";
import { sourceSentences } from "./source-sentences.js";
import type { RetrievalResult } from "./retrieve.js";

export interface ComposeOptions {
  /** Base of the bot's own source pages, e.g. https://bot.example.org (no trailing slash). */
  publicBaseUrl: string;
  /** Longest answer body in characters (all quoted paragraphs together; markers and disclaimer not counted). */
  maxAnswerChars: number;
  maxRelated: number;
  /** Weight of a question term (the index's IDF); rarer words decide which sentences are quoted. Equal weights when unset. */
  termWeight?: (term: string) => number;
}

/** ANSWER_MAX_CHARS's default; the bot passes the configured value. */
export const DEFAULT_COMPOSE_OPTIONS: Omit<ComposeOptions, "publicBaseUrl"> = {
  maxAnswerChars: 300,
  maxRelated: 3,
};

/** How many of the best hits are looked at for a source about the other side of a comparison. */
const COMPARISON_CANDIDATES = 5;
/** A source covers one side of a comparison when it holds at least this share of the side's term weight. */
const MIN_SIDE_COVERAGE = 0.6;
/** Whole words of the keyword terms (the rest are character bigrams). */
const WORD_PREFIX = "w:";

export const NO_ANSWER_TEXT = "抱歉，知识库里没有找到与这个问题相关的内容。可以换个说法，或把问题描述得更具体一些再试试。";

export function noAnswer(): Answer {
  return withAnswerText({ paragraphs: [{ text: NO_ANSWER_TEXT, citations: [] }], passages: [], citations: [], disclaimer: false, related: [], noAnswer: true });
}

export function composeAnswer(result: RetrievalResult, sources: Map<string, SourceDoc>, options: ComposeOptions): Answer {
  if (result.noAnswer) return noAnswerReply(noAnswerSuggestions(result, options.publicBaseUrl, options.maxRelated), result.missingSubject);
  if (result.hits.length === 0) return noAnswer();
  const weight = options.termWeight ?? (() => 1);
  const queryTerms = new Set(result.queryTerms);
  const hits = result.hits.filter((hit) => sources.has(hit.sourceId));
  if (hits.length === 0) return noAnswer();

  const sides = comparedSides(result.query);
  const sideTerms = sides && distinctWords(sides);
  const chosen = [hits[0], ...(sides ? comparisonPartner(sides, hits, sources, weight) : [])];
  const cited: { hit: SearchHit; source: SourceDoc; quote: Quote; carriesDisclaimer: boolean }[] = [];
  let remaining = options.maxAnswerChars;
  chosen.forEach((hit, position) => {
    const source = sources.get(hit.sourceId)!;
    // Two sources share the length: the first gets its half, the second what is left.
    const maxChars = position === 0 && chosen.length > 1 ? Math.floor(options.maxAnswerChars / 2) : remaining;
    // A paged document is quoted from the page that answers, so its citation opens that page.
    const passages = passagesOfAnsweringPage(hit.passages, source, (text) => matchWeight(text, queryTerms, weight, sideTerms));
    const sentences = sourceSentences(passages, source);
    const quote = quoteSentences(sentences, queryTerms, {
      maxChars,
      termWeight: weight,
      opensWithAnswer: source.question !== undefined,
      comparedTerms: sideTerms,
    });
    if (!quote) return;
    remaining -= quote.text.length;
    // The source's own copy of the disclaimer is never quoted; the answer then carries it, once.
    cited.push({ hit, source, quote, carriesDisclaimer: sentences.some((sentence) => sentence.role === "disclaimer") });
  });
  if (cited.length === 0) return noAnswer();

  const citations: Citation[] = cited.map(({ hit, source, quote }, index) => {
    const passage = hit.passages.find((candidate) => candidate.chunkIndex === quote.chunkIndex);
    return {
      n: index + 1,
      sourceId: source.sourceId,
      title: source.title,
      url: sourceLink(options.publicBaseUrl, source.sourceId, source.url, { chunkIndex: quote.chunkIndex, location: passage?.location }),
    };
  });
  const disclaimer = needsDisclaimer(
    cited.map(({ source, quote, carriesDisclaimer }) => ({
      sourceDisclaimer: source.disclaimer || carriesDisclaimer,
      title: source.title,
      quotedText: quote.text,
    })),
  );
  const paragraphs: AnswerParagraph[] = cited.map(({ quote }, index) => ({ text: quote.text, citations: [index + 1] }));

  const citedIds = new Set(cited.map(({ source }) => source.sourceId));
  const related: RelatedSource[] = result.hits
    .filter((hit) => !citedIds.has(hit.sourceId))
    .slice(0, options.maxRelated)
    .map((hit) => ({ sourceId: hit.sourceId, title: hit.title, url: sourceLink(options.publicBaseUrl, hit.sourceId, hit.url) }));

  return withAnswerText({
    paragraphs,
    passages: cited.flatMap(({ hit }) => [...hit.passages].sort((left, right) => left.chunkIndex - right.chunkIndex)),
    citations,
    disclaimer,
    related,
    noAnswer: false,
  });
}

/** Each side's own words: 账户 in both "亲情账户" and "家庭共济账户" tells the two apart in nothing. */
function distinctWords([first, second]: [string, string]): [Set<string>, Set<string>] {
  const words = (side: string) => new Set(keywordTerms(side).filter((term) => term.startsWith(WORD_PREFIX)));
  const [left, right] = [words(first), words(second)];
  return [new Set([...left].filter((term) => !right.has(term))), new Set([...right].filter((term) => !left.has(term)))];
}

/**
 * For "A和B有什么区别": when the best source covers only one of A and B, the best of the next hits
 * that covers the other one; none when the best source covers both (it compares them itself) or
 * the question compares nothing.
 */
function comparisonPartner(sides: [string, string], hits: SearchHit[], sources: Map<string, SourceDoc>, weight: (term: string) => number): SearchHit[] {
  const [first, second] = sides.map((side) => [...new Set(keywordTerms(side))]);
  const coverage = (hit: SearchHit, terms: string[]) => {
    const present = new Set(keywordTerms(`${hit.title}\n${hit.passages.map((passage) => passage.text).join("\n")}`));
    const total = terms.reduce((sum, term) => sum + weight(term), 0);
    return total === 0 ? 0 : terms.reduce((sum, term) => sum + (present.has(term) ? weight(term) : 0), 0) / total;
  };
  const top = hits[0];
  const coversFirst = coverage(top, first) >= MIN_SIDE_COVERAGE;
  const coversSecond = coverage(top, second) >= MIN_SIDE_COVERAGE;
  if (coversFirst === coversSecond) return [];
  const missing = coversFirst ? second : first;
  const partner = hits
    .slice(1, COMPARISON_CANDIDATES)
    .filter((hit) => sources.has(hit.sourceId))
    .map((hit) => ({ hit, covered: coverage(hit, missing) }))
    .filter(({ covered }) => covered >= MIN_SIDE_COVERAGE)
    .sort((left, right) => right.covered - left.covered)[0];
  return partner ? [partner.hit] : [];
}
