/**
 * Turns a platform-neutral `Answer` into Telegram HTML plus an inline keyboard. Every piece of text
 * from sources or users is escaped here; markup is only ever added around already-escaped text.
 */
import type { InlineKeyboardButton } from "telegraf/types";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import type { Answer, Citation } from "../../src/core/types.js";
import { replyTexts } from "./bot-texts.js";
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
  const { body, hasDisclaimer } = separateDisclaimer(answer);
  const byNumber = new Map(answer.citations.map((citation) => [citation.n, citation]));

  const paragraphs = body.map((paragraph) => linkMarkers(escapeHtml(paragraph), byNumber));
  if (!answer.noAnswer && answer.citations.length > 0) paragraphs.push(renderSources(answer.citations));
  if (!answer.noAnswer && answer.related.length > 0) paragraphs.push(renderRelated(answer));
  if (hasDisclaimer) paragraphs.push(`⚠️ <i>${escapeHtml(MEDICAL_DISCLAIMER)}</i>`);

  const keyboard = answer.noAnswer
    ? []
    : answer.citations
        .filter((citation) => isTelegramLinkable(citation.url))
        .slice(0, maxButtons)
        .map((citation) => [{ text: truncate(`[${citation.n}] ${citation.title}`, maxButtonLabel), url: citation.url }]);

  return { html: paragraphs.join("\n\n"), keyboard };
}

/** The core puts the disclaimer as the last paragraph; it gets its own styled line here. */
function separateDisclaimer(answer: Answer): { body: string[]; hasDisclaimer: boolean } {
  const body = answer.text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean);
  if (!answer.disclaimer) return { body, hasDisclaimer: false };
  if (body.length > 0 && body[body.length - 1] === MEDICAL_DISCLAIMER) body.pop();
  return { body, hasDisclaimer: true };
}

/** `[n]` markers become links to their source; markers without a usable link stay plain text. */
function linkMarkers(escapedParagraph: string, byNumber: Map<number, Citation>): string {
  return escapedParagraph.replace(/\[(\d+)\]/g, (marker, digits: string) => {
    const citation = byNumber.get(Number(digits));
    if (!citation || !isTelegramLinkable(citation.url)) return marker;
    return `<a href="${escapeAttribute(citation.url)}">[${digits}]</a>`;
  });
}

function linkedTitle(title: string, url: string): string {
  const escapedTitle = escapeHtml(title);
  return isTelegramLinkable(url) ? `<a href="${escapeAttribute(url)}">${escapedTitle}</a>` : escapedTitle;
}

function renderSources(citations: Citation[]): string {
  const lines = citations.map((citation) => `[${citation.n}] ${linkedTitle(citation.title, citation.url)}`);
  return [`<b>${escapeHtml(replyTexts.sourcesHeading)}</b>`, ...lines].join("\n");
}

function renderRelated(answer: Answer): string {
  const lines = answer.related.map((related) => `• ${linkedTitle(related.title, related.url)}`);
  return [`<b>${escapeHtml(replyTexts.relatedHeading)}</b>`, ...lines].join("\n");
}

function truncate(text: string, maxLength: number): string {
  const characters = Array.from(text);
  return characters.length <= maxLength ? text : `${characters.slice(0, maxLength - 1).join("")}…`;
}
