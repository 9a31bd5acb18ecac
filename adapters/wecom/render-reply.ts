/**
 * Answer → WeCom markdown. Each paragraph is followed by its `[n]` markers, each a link to its
 * source; the source list, related questions and the medical disclaimer follow, and a rewritten
 * follow-up shows how it was understood first. The disclaimer is always the last paragraph, so
 * cutting a long answer down never loses it.
 */
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import type { Answer, Citation } from "../../src/core/types.js";
import { plainTextAsMarkdown } from "./plain-markdown.js";
import type { Reply } from "./wecom-reply.js";
import { splitUtf8, truncateUtf8, utf8ByteLength } from "./utf8-text.js";

/** Byte limits from the WeCom docs. */
export const APP_MESSAGE_MAX_BYTES = 2048;
export const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;
export const STREAM_CONTENT_MAX_BYTES = 20480;

const SOURCES_HEADING = `**${REPLY_TEXTS.sourcesHeading}**`;
const RELATED_HEADING = `**${REPLY_TEXTS.relatedHeading}**`;

/** Link text is plain text on one line (no brackets, tags or mentions); see plain-markdown.ts. */
function linkText(text: string): string {
  return plainTextAsMarkdown(text).replace(/\s+/g, " ").trim();
}

/** A URL must not contain spaces or parentheses, nor angle brackets that could open a tag or a mention. */
function linkTarget(url: string): string {
  return url.replace(/ /g, "%20").replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/</g, "%3C").replace(/>/g, "%3E");
}

/** The parts of a rendered answer, in reading order. */
interface AnswerParts {
  body: string[];
  sources: string[];
  related: string[];
  /** The related list's heading: suggestions after a no-answer, related questions after an answer. */
  relatedHeading: string;
  disclaimer?: string;
}

function answerParts(answer: Answer): AnswerParts {
  const byNumber = new Map<number, Citation>(answer.citations.map((citation) => [citation.n, citation]));
  const body = answer.paragraphs.map((paragraph) => {
    const markers = paragraph.citations.map((n) => {
      const citation = byNumber.get(n);
      return citation ? `[[${n}]](${linkTarget(citation.url)})` : `[${n}]`;
    });
    // The paragraph quotes the knowledge folder: plain text, never markup of its own.
    return `${plainTextAsMarkdown(paragraph.text.trim())}${markers.join("")}`;
  });
  // A quote line: WeCom markdown has no italics, and `>` reads as an aside on every client.
  if (answer.understoodAs) body.unshift(`> ${plainTextAsMarkdown(REPLY_TEXTS.understoodAs(answer.understoodAs.replace(/\s+/g, " ").trim()))}`);
  return {
    body: body.filter(Boolean),
    sources: answer.noAnswer ? [] : answer.citations.map((citation) => `[${citation.n}] [${linkText(citation.title)}](${linkTarget(citation.url)})`),
    related: answer.related.map((source) => `- [${linkText(source.title)}](${linkTarget(source.url)})`),
    relatedHeading: answer.noAnswer ? `**${REPLY_TEXTS.suggestionsHeading}**` : RELATED_HEADING,
    disclaimer: answer.disclaimer ? MEDICAL_DISCLAIMER : undefined,
  };
}

function tailBlocks(parts: AnswerParts, withRelated: boolean): string[] {
  const blocks: string[] = [];
  if (parts.sources.length > 0) blocks.push([SOURCES_HEADING, ...parts.sources].join("\n"));
  if (withRelated && parts.related.length > 0) blocks.push([parts.relatedHeading, ...parts.related].join("\n"));
  if (parts.disclaimer) blocks.push(parts.disclaimer);
  return blocks;
}

/** The whole answer as one markdown document, with no length limit applied. */
export function renderAnswerMarkdown(answer: Answer): string {
  const parts = answerParts(answer);
  return [...parts.body, ...tailBlocks(parts, true)].join("\n\n");
}

/**
 * The answer as one markdown message of at most `maxBytes` (a stream or a webhook post). When too
 * long, the passages are shortened first and the related questions dropped next; the sources and
 * the disclaimer stay.
 */
export function renderAnswerMarkdownWithin(answer: Answer, maxBytes: number): string {
  const full = renderAnswerMarkdown(answer);
  if (utf8ByteLength(full) <= maxBytes) return full;
  const parts = answerParts(answer);
  for (const withRelated of [true, false]) {
    const tail = tailBlocks(parts, withRelated).join("\n\n");
    const budget = maxBytes - utf8ByteLength(tail) - 2;
    if (budget >= Math.min(200, maxBytes / 4)) return `${truncateUtf8(parts.body.join("\n\n"), budget)}\n\n${tail}`;
  }
  return truncateUtf8(full, maxBytes);
}

/**
 * The answer as a series of markdown messages of at most `maxBytes` each (app messages: 2048).
 * Paragraphs are packed whole when they fit; a long one is split between sentences.
 */
export function renderAnswerMessages(answer: Answer, maxBytes: number = APP_MESSAGE_MAX_BYTES): string[] {
  const parts = answerParts(answer);
  const blocks = [...parts.body, ...tailBlocks(parts, true)];
  return packBlocks(blocks, maxBytes);
}

/** Packs paragraphs into as few messages of at most `maxBytes` as possible, keeping their order. */
export function packBlocks(blocks: string[], maxBytes: number): string[] {
  const messages: string[] = [];
  let current = "";
  for (const block of blocks.flatMap((item) => splitUtf8(item, maxBytes))) {
    const joined = current ? `${current}\n\n${block}` : block;
    if (utf8ByteLength(joined) <= maxBytes) {
      current = joined;
    } else {
      if (current) messages.push(current);
      current = block;
    }
  }
  if (current) messages.push(current);
  return messages;
}

/** A reply as one markdown message of at most `maxBytes`. */
export function renderReplyWithin(reply: Reply, maxBytes: number): string {
  return reply.kind === "answer" ? renderAnswerMarkdownWithin(reply.answer, maxBytes) : truncateUtf8(reply.markdown, maxBytes);
}

/** A reply as markdown messages of at most `maxBytes` each. */
export function renderReplyMessages(reply: Reply, maxBytes: number = APP_MESSAGE_MAX_BYTES): string[] {
  return reply.kind === "answer" ? renderAnswerMessages(reply.answer, maxBytes) : packBlocks(reply.markdown.split(/\n{2,}/), maxBytes);
}
