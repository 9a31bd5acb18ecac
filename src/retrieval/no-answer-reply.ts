/**
 * The reply when the knowledge base does not cover a question. It says so plainly, naming what is
 * missing when the question is in the folder's domain but its subject is not covered (see
 * subject-coverage.ts: "知识库里还没有关于「北京医保在上海」的内容"); then the closest sources are offered as suggestions under their own
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
  /** The same, naming the subject the folder lacks. */
  missing: (subject: string) => `抱歉，知识库里还没有关于「${subject}」的内容，无法据此回答。已记录这个问题，管理员会补充资料。`,
} as const;

/** The neighbouring sources a no-answer may offer: only when retrieval judged the question near the folder's topics. */
export function noAnswerSuggestions(result: RetrievalResult, publicBaseUrl: string, maxSuggestions: number): RelatedSource[] {
  if (!result.nearTopic) return [];
  return result.hits
    .slice(0, maxSuggestions)
    .map((hit) => ({ sourceId: hit.sourceId, title: hit.title, url: sourceLink(publicBaseUrl, hit.sourceId, hit.url) }));
}

/**
 * A no-answer reply: it names the missing subject when there is one, and lists the suggestions in
 * `related`; a question with neither is simply not found.
 */
export function noAnswerReply(suggestions: RelatedSource[] = [], missingSubject?: string): Answer {
  const text = missingSubject ? NO_ANSWER_TEXTS.missing(missingSubject) : suggestions.length > 0 ? NO_ANSWER_TEXTS.notCovered : NO_ANSWER_TEXTS.notFound;
  return withAnswerText({
    paragraphs: [{ text, citations: [] }],
    passages: [],
    citations: [],
    disclaimer: false,
    related: suggestions,
    noAnswer: true,
    ...(missingSubject ? { missingSubject } : {}),
  });
}
