/**
 * The reply when the knowledge base does not cover a question. It says so plainly; when the
 * question is about the folder's subject but not a topic it covers (the no-answer came from the
 * question-coverage check), the closest sources are offered as suggestions under their own
 * heading (REPLY_TEXTS.suggestionsHeading, rendered by each adapter), never quoted and never cited, and without the medical disclaimer: nothing is answered.
 */
import { withAnswerText } from "../answer/answer-text.js";
import type { Answer, RelatedSource } from "../core/types.js";
import type { RetrievalResult } from "./retrieve.js";
import { sourceLink } from "./source-link.js";

export const NO_ANSWER_TEXTS = {
  /** The question is not about anything the folder holds. */
  notFound: "抱歉，知识库里没有找到与这个问题相关的内容。可以换个说法，或把问题描述得更具体一些再试试。",
  /** The question is about the folder's subject, but no source covers it. */
  notCovered: "抱歉，知识库里没有关于这个问题的资料，无法据此回答。",
} as const;

/** The neighbouring sources a no-answer may offer: only when retrieval judged the question near the folder's topics. */
export function noAnswerSuggestions(result: RetrievalResult, publicBaseUrl: string, maxSuggestions: number): RelatedSource[] {
  if (!result.nearTopic) return [];
  return result.hits
    .slice(0, maxSuggestions)
    .map((hit) => ({ sourceId: hit.sourceId, title: hit.title, url: sourceLink(publicBaseUrl, hit.sourceId, hit.url) }));
}

/** A no-answer reply; with suggestions it says the topic is not covered and lists them in `related`. */
export function noAnswerReply(suggestions: RelatedSource[] = []): Answer {
  const text = suggestions.length > 0 ? NO_ANSWER_TEXTS.notCovered : NO_ANSWER_TEXTS.notFound;
  return withAnswerText({ paragraphs: [{ text, citations: [] }], passages: [], citations: [], disclaimer: false, related: suggestions, noAnswer: true });
}
