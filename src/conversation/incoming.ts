/**
 * What every platform hands the responder, and what it gets back. An adapter only parses its
 * platform's message into an `Incoming` and renders the `Reply` in its own format.
 */
import type { Answer, Platform } from "../core/types.js";

export interface Incoming {
  /** The user's words, already cleaned of mentions (a command keeps its leading `/name`). */
  text: string;
  platform: Platform;
  /** Whose memory this message belongs to, e.g. a Telegram chat + topic + user; unique across platforms. */
  conversationKey: string;
  userId: string;
  /** False for group chatter not meant for the bot: the reply is `none`. */
  addressedToBot: boolean;
  /** The platform's admin list includes this user; admin-only commands are refused otherwise. */
  isAdmin: boolean;
  /** A one-to-one chat or a group; the question log keeps it (private when unset). */
  chatKind?: "private" | "group";
  /** The transport made `conversationKey` just now, so no earlier turn can exist: memory is not read. */
  newConversation?: boolean;
}

export type Reply =
  /** Adapters render answer.paragraphs/citations/related/disclaimer/understoodAs. */
  | { kind: "answer"; answer: Answer; answerId: string }
  /**
   * Command replies, refusals, errors, busy notices: already worded, plain text. `failure` is set on
   * the failure notice: the error behind it, for a transport that answers with an error status
   * (the HTTP API) instead of the text. Chat adapters send the text and ignore it.
   */
  | { kind: "text"; text: string; failure?: unknown }
  /** Nothing to send (not addressed to the bot). */
  | { kind: "none" };

export interface Responder {
  respond(incoming: Incoming): Promise<Reply>;
}
