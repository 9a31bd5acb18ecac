/**
 * Bridges the shared responder to WeCom's renderers: an answer stays an answer, and a text reply
 * (command replies, refusals, busy and failure notices, worded in REPLY_TEXTS) becomes markdown
 * that shows exactly its plain text. Both surfaces send what comes out of here.
 */
import type { Reply as ResponderReply } from "../../src/conversation/incoming.js";
import type { Answer } from "../../src/core/types.js";
import { plainTextAsMarkdown } from "./plain-markdown.js";

/** What render-reply.ts draws: an answer to render, or ready markdown. */
export type Reply = { kind: "answer"; answer: Answer } | { kind: "notice"; markdown: string };

/** The responder's reply in the shape the renderers take; undefined when there is nothing to send. */
export function toWecomReply(reply: ResponderReply): Reply | undefined {
  if (reply.kind === "none") return undefined;
  if (reply.kind === "answer") return reply;
  return { kind: "notice", markdown: plainTextAsMarkdown(reply.text) };
}
