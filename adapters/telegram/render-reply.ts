/**
 * Turns a platform-neutral `Answer` into Telegram HTML plus an inline keyboard. Every piece of text
 * from sources or users is escaped here; markup is only ever added around already-escaped text.
 */
import type { InlineKeyboardButton } from "telegraf/types";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import type { Answer, AnswerParagraph, Citation } from "../../src/core/types.js";
import { escapeAttribute, escapeHtml } from "./escape-html.js";
import { isTelegramLinkable } from "./telegram-url.js";

export interface RenderedReply {
  /** Telegram HTML; paragraphs are separated by blank lines and no element spans two paragraphs. */
  html: string;
  /** Rows of URL buttons for the top sources; empty when no source has a link Telegram accepts. */
  keyboard: InlineKeyboardButton.UrlButton[][];
}

export interface RenderOptions {
  /** Most source buttons under an answer; Telegram clients get cramped beyond a handful. */
  maxButtons?: number;
  /** Longest button label in characters. */
  maxButtonLabel?: number;
}

export function renderAnswer(answer: Answer, options: RenderOptions = {}): RenderedReply {
  const maxButtons = options.maxButtons ?? 3;
  const maxButtonLabel = options.maxButtonLabel ?? 40;
  const byNumber = new Map(answer.citations.map((citation) => [citation.n, citation]));

  const paragraphs: string[] = [];
  if (answer.understoodAs) paragraphs.push(`<i>${escapeHtml(REPLY_TEXTS.understoodAs(oneLine(answer.understoodAs)))}</i>`);
  for (const paragraph of answer.paragraphs) paragraphs.push(renderParagraph(paragraph, byNumber));
  if (!answer.noAnswer && answer.citations.length > 0) paragraphs.push(renderSources(answer.citations));
  if (answer.related.length > 0) paragraphs.push(renderRelated(answer));
  if (answer.disclaimer) paragraphs.push(`⚠️ <i>${escapeHtml(MEDICAL_DISCLAIMER)}</i>`);

  const keyboard = answer.noAnswer
    ? []
    : answer.citations
        .filter((citation) => isTelegramLinkable(citation.url))
        .slice(0, maxButtons)
        .map((citation) => [{ text: truncate(`[${citation.n}] ${citation.title}`, maxButtonLabel), url: citation.url }]);

  return { html: paragraphs.join("\n\n"), keyboard };
}

/** A paragraph's escaped text and then its `[n]` markers, each a link to its source when Telegram accepts the link. */
function renderParagraph(paragraph: AnswerParagraph, byNumber: Map<number, Citation>): string {
  const markers = paragraph.citations.map((n) => {
    const citation = byNumber.get(n);
    if (!citation || !isTelegramLinkable(citation.url)) return `[${n}]`;
    return `<a href="${escapeAttribute(citation.url)}">[${n}]</a>`;
  });
  return `${escapeHtml(paragraph.text)}${markers.join("")}`;
}

function linkedTitle(title: string, url: string): string {
  const escapedTitle = escapeHtml(title);
  return isTelegramLinkable(url) ? `<a href="${escapeAttribute(url)}">${escapedTitle}</a>` : escapedTitle;
}

function renderSources(citations: Citation[]): string {
  const lines = citations.map((citation) => `[${citation.n}] ${linkedTitle(citation.title, citation.url)}`);
  return [`<b>${escapeHtml(REPLY_TEXTS.sourcesHeading)}</b>`, ...lines].join("\n");
}

function renderRelated(answer: Answer): string {
  const lines = answer.related.map((related) => `• ${linkedTitle(related.title, related.url)}`);
  // After a no-answer the list is suggestions of neighbouring topics, headed as not the answer.
  const heading = answer.noAnswer ? REPLY_TEXTS.suggestionsHeading : REPLY_TEXTS.relatedHeading;
  return [`<b>${escapeHtml(heading)}</b>`, ...lines].join("\n");
}

/** The understood question on one line, so its italics never span two paragraphs when the reply is split. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function truncate(text: string, maxLength: number): string {
  const characters = Array.from(text);
  return characters.length <= maxLength ? text : `${characters.slice(0, maxLength - 1).join("")}…`;
}
