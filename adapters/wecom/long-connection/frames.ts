/**
 * The long connection's frames (wecom-long-connection.md §2): every frame is one JSON text frame
 * `{cmd, headers: {req_id}, body}`; WeCom's answers to our frames ("acks") carry the same req_id,
 * `errcode` and `errmsg`, with `cmd` absent or echoed. This file only reads and names frames;
 * what to do with them is connection.ts's and long-connection-answers.ts's.
 */
import { randomBytes } from "node:crypto";

export const COMMANDS = {
  subscribe: "aibot_subscribe",
  ping: "ping",
  messageCallback: "aibot_msg_callback",
  /** An older name some clients still accept for the message callback. */
  legacyMessageCallback: "aibot_callback",
  eventCallback: "aibot_event_callback",
  respond: "aibot_respond_msg",
  respondWelcome: "aibot_respond_welcome_msg",
  /** A message of the bot's own into a chat, on a req_id of its own. */
  sendMessage: "aibot_send_msg",
} as const;

/** errcodes the client acts on; the others are logged as they come. */
export const ERRCODES = {
  ok: 0,
  credentialsRefused: 853000,
  invalidRequestId: 846605,
  streamExpired: 846608,
  notSubscribed: 846609,
} as const;

type Json = Record<string, unknown>;

/** What the server sent, sorted by what the client must do with it. */
export type InboundFrame =
  | { kind: "message"; requestId: string; body: Json }
  | { kind: "event"; requestId: string; body: Json; eventType?: string }
  | { kind: "ack"; requestId: string; errcode: number; errmsg: string; body?: Json }
  /** The server's own ping or pong; nothing to answer (whether it sends any is unconfirmed). */
  | { kind: "keepalive" }
  /** Dropped with a log line; `problem` says why without quoting the payload. */
  | { kind: "malformed"; problem: string; requestId?: string };

/** The SDK's req_id shape `<cmd>_<ms>_<8 hex>`; the prefix is how subscribe and ping acks are told apart in logs. */
export function newRequestId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now}_${randomBytes(4).toString("hex")}`;
}

function object(value: unknown): Json | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

/**
 * Reads one frame. msgid is documented as a string; a bare number is quoted before parsing so a
 * large id cannot lose digits (as in ai-bot-message.ts).
 */
export function parseFrame(text: string): InboundFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/("msgid"\s*:\s*)(\d+)/g, '$1"$2"'));
  } catch {
    return { kind: "malformed", problem: "not JSON" };
  }
  const frame = object(parsed);
  if (!frame) return { kind: "malformed", problem: "not a JSON object" };
  const cmd = typeof frame.cmd === "string" ? frame.cmd : undefined;
  if (cmd === "ping" || cmd === "pong") {
    if (typeof frame.errcode !== "number") return { kind: "keepalive" };
  }
  const requestId = object(frame.headers)?.req_id;
  if (typeof requestId !== "string" || requestId === "") return { kind: "malformed", problem: "no headers.req_id" };
  const body = object(frame.body);
  if (cmd === COMMANDS.messageCallback || cmd === COMMANDS.legacyMessageCallback) {
    return body ? { kind: "message", requestId, body } : { kind: "malformed", problem: "message callback without a body", requestId };
  }
  if (cmd === COMMANDS.eventCallback) {
    if (!body) return { kind: "malformed", problem: "event callback without a body", requestId };
    const eventType = object(body.event)?.eventtype;
    return { kind: "event", requestId, body, eventType: typeof eventType === "string" ? eventType : undefined };
  }
  // Acks have no cmd or echo the one they answer; anything else with an errcode is still an ack by its req_id.
  if (typeof frame.errcode === "number") {
    return { kind: "ack", requestId, errcode: frame.errcode, errmsg: typeof frame.errmsg === "string" ? frame.errmsg : "", body };
  }
  return { kind: "malformed", problem: cmd ? `unknown cmd ${cmd.slice(0, 64)}` : "neither a callback nor an ack", requestId };
}

/** One frame as it goes on the wire. */
export function encodeFrame(cmd: string, requestId: string, body?: object): string {
  return JSON.stringify(body === undefined ? { cmd, headers: { req_id: requestId } } : { cmd, headers: { req_id: requestId }, body });
}
