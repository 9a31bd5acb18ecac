/**
 * The JSON of an AI-bot (智能机器人) callback, reduced to what the adapter uses: decrypted from a
 * callback request, or the `body` of a long-connection frame, which carries the same fields.
 */
import type { Incoming } from "../../src/conversation/incoming.js";
import { malformed } from "./callback-http.js";
import type { FeedbackPress } from "./native-feedback.js";

export interface AiBotMessage {
  msgid: string;
  msgtype: string;
  chattype?: "single" | "group";
  chatid?: string;
  userId: string;
  responseUrl?: string;
  /** The question with @mentions removed, for text, mixed and voice messages. */
  question?: string;
  /** Present on stream refresh callbacks. */
  streamId?: string;
  /** Present on event callbacks. */
  eventType?: string;
  /** Present on `feedback_event` callbacks that carry an id and a numeric type. */
  feedback?: FeedbackPress;
}

/**
 * Removes @mentions wherever they are: WeCom puts the bot's mention first in most captures but
 * trailing in others, and the client follows a mention with U+2005, which `\s` matches. An "@"
 * inside a word (an e-mail address) is kept.
 *
 * A bot's display name may hold spaces ("@Knowledge Bot  what is X"). The name is not in the
 * message, so a mention that opens the text is taken to run to a U+2005 or to two spaces when one
 * of them comes within a display name's length (20 characters); otherwise it ends at the first space.
 */
export function stripMentions(text: string): string {
  return text
    .replace(/^\s*@[^@\u2005\n]{1,20}?(?:\u2005|[ \t\u00a0\u3000]{2,})/, "")
    .replace(/(^|\s)@[^\s@]+/g, "$1")
    .replace(/\s+/g, " ")
    .trim();
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function questionOf(message: Json): string | undefined {
  switch (message.msgtype) {
    case "text":
      return text(object(message.text)?.content);
    case "voice":
      // Voice arrives already transcribed.
      return text(object(message.voice)?.content);
    case "mixed": {
      const items = object(message.mixed)?.msg_item;
      if (!Array.isArray(items)) return undefined;
      return items.map((item) => (object(item)?.msgtype === "text" ? (text(object(object(item)?.text)?.content) ?? "") : "")).join(" ");
    }
    default:
      return undefined;
  }
}

/** `event.feedback_event`; reasons may come as strings or numbers, both are kept as text. */
function feedbackOf(event: Json | undefined): FeedbackPress | undefined {
  const press = object(event?.feedback_event);
  const id = text(press?.id);
  const type = press?.type;
  if (!press || !id || typeof type !== "number") return undefined;
  const reasons = Array.isArray(press.inaccurate_reason_list)
    ? press.inaccurate_reason_list.filter((reason) => typeof reason === "string" || typeof reason === "number").map(String)
    : [];
  return { id, type, content: text(press.content), reasons };
}

/** Parses the decrypted text; a failure here is also what a wrong EncodingAESKey looks like. */
export function parseAiBotMessage(plaintext: string): AiBotMessage {
  let parsed: unknown;
  try {
    // msgid is documented as a string; quote a bare number anyway so a large id cannot lose digits.
    parsed = JSON.parse(plaintext.replace(/("msgid"\s*:\s*)(\d+)/g, '$1"$2"'));
  } catch (error) {
    throw malformed("Decrypted AI-bot message", "Expected JSON; check WECOM_BOT_ENCODING_AES_KEY against the console.", error);
  }
  return readAiBotMessage(parsed);
}

/** Reads an already parsed callback; throws WECOM_PAYLOAD_MALFORMED when a field every callback has is missing. */
export function readAiBotMessage(parsed: unknown): AiBotMessage {
  const message = object(parsed);
  const msgid = text(message?.msgid);
  const msgtype = text(message?.msgtype);
  const userId = text(object(message?.from)?.userid);
  if (!message || !msgid || !msgtype || userId === undefined) {
    throw malformed("Decrypted AI-bot message", "Expected msgid, msgtype and from.userid.");
  }
  const rawQuestion = questionOf(message);
  const chattype = text(message.chattype);
  return {
    msgid,
    msgtype,
    chattype: chattype === "group" || chattype === "single" ? chattype : undefined,
    chatid: text(message.chatid),
    userId,
    responseUrl: text(message.response_url),
    question: rawQuestion === undefined ? undefined : stripMentions(rawQuestion),
    streamId: text(object(message.stream)?.id),
    eventType: text(object(message.event)?.eventtype),
    feedback: feedbackOf(object(message.event)),
  };
}

/** The answering line a message waits in: a group shares one, so one busy group cannot hold every answering slot. */
export function answeringLineOf(message: AiBotMessage): string {
  return message.chattype === "group" && message.chatid ? `group:${message.chatid}` : `user:${message.userId}`;
}

/**
 * The message as the responder takes it. In a group each member's questions form their own
 * conversation; 1:1 it is the user's. Both AI-bot modes use the same keys, so a user keeps one
 * conversation whichever way the bot is connected.
 */
export function aiBotIncoming(message: AiBotMessage, text: string, adminUserIds: ReadonlySet<string>): Incoming {
  const conversationKey =
    message.chattype === "group" && message.chatid ? `wecom-bot:group:${message.chatid}:${message.userId}` : `wecom-bot:user:${message.userId}`;
  return {
    text,
    platform: "wecom",
    conversationKey,
    userId: message.userId,
    addressedToBot: true,
    isAdmin: adminUserIds.has(message.userId),
    chatKind: message.chattype === "group" ? "group" : "private",
  };
}
