/**
 * What the bot does with the long connection's callbacks. A question gets a stream at once (the
 * "searching" placeholder, carrying the feedback id so WeCom shows 👍 / 👎), and the same stream
 * finishes with the answer from the one responder every platform shares; an image or a file gets
 * a short note that the bot reads text; `enter_chat` gets the /start welcome within WeCom's 5 s;
 * `feedback_event` becomes a vote on the answer.
 *
 * msgid is claimed in the state store before anything is sent and confirmed once the first frame
 * was acked, so a restart or another replica that receives the same msgid again does not answer
 * twice. Without a store, an in-process memory of recent ids does the same within one process.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { Responder } from "../../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../../src/conversation/reply-texts.js";
import { answerForStream, recordFeedbackEvent } from "../ai-bot-answer.js";
import { aiBotIncoming, answeringLineOf, readAiBotMessage, type AiBotMessage } from "../ai-bot-message.js";
import { STREAM_PLACEHOLDER } from "../answer-streams.js";
import { createDedupeStore } from "../dedupe-store.js";
import { claimDelivery, confirmDelivery, type DeliveryClaims } from "../delivery-claims.js";
import type { FairQueue } from "../fair-queue.js";
import type { NativeFeedback } from "../native-feedback.js";
import type { Ack, LongConnectionHandlers } from "./connection.js";
import { COMMANDS, ERRCODES, newRequestId } from "./frames.js";

const SURFACE = "bot-ws";
/**
 * Answers waiting or running at once across every chat; past it a new question is told to wait
 * instead of queued, so a flood of callbacks cannot grow memory without bound.
 */
export const MAX_PENDING_ANSWERS = 200;

type Json = Record<string, unknown>;

export interface LongConnectionAnswersDependencies {
  responder: Responder;
  /** WECOM_ADMIN_USERIDS. */
  adminUserIds: ReadonlySet<string>;
  queue: FairQueue;
  feedback: NativeFeedback;
  /** The state store's delivery dedupe; absent, only this process remembers msgids. */
  claims?: DeliveryClaims;
  /** The connection's send: one frame at a time per req_id. */
  send(cmd: string, requestId: string, body: object): Promise<Ack>;
  logger: Logger;
  maxPendingAnswers?: number;
}

export function createLongConnectionAnswers(dependencies: LongConnectionAnswersDependencies): LongConnectionHandlers {
  const { responder, adminUserIds, queue, feedback, claims, logger } = dependencies;
  const maxPendingAnswers = dependencies.maxPendingAnswers ?? MAX_PENDING_ANSWERS;
  const seen = createDedupeStore<true>({ ttlMs: 30 * 60_000, maxEntries: 20_000 });

  /** Sends one frame; resolves with its errcode (0 when WeCom took it), and logs a refusal. */
  async function send(cmd: string, requestId: string, body: object, messageId: string): Promise<number> {
    const ack = await dependencies.send(cmd, requestId, body);
    if (ack.errcode !== ERRCODES.ok) {
      logger.warn({ surface: SURFACE, messageId, cmd, errcode: ack.errcode, errmsg: ack.errmsg }, "wecom: long-connection reply not accepted");
    }
    return ack.errcode;
  }

  /**
   * WeCom stops taking a stream's frames about 6 minutes after its message (846608); an answer
   * that waited that long in a busy line goes to the chat as a message of its own instead.
   */
  async function sendSeparately(message: AiBotMessage, markdown: string): Promise<void> {
    const chatid = message.chattype === "group" && message.chatid ? message.chatid : message.userId;
    const body = { chatid, msgtype: "markdown", markdown: { content: markdown } };
    if ((await send(COMMANDS.sendMessage, newRequestId(COMMANDS.sendMessage), body, message.msgid)) === ERRCODES.ok) {
      logger.info({ surface: SURFACE, messageId: message.msgid }, "wecom: stream expired; answer sent as a message of its own");
    }
  }

  function streamBody(streamId: string, content: string, finish: boolean, withFeedback: boolean): object {
    // WeCom takes the feedback id from the stream's first frame only.
    const feedbackField = withFeedback ? feedback.fieldFor(streamId) : undefined;
    return { msgtype: "stream", stream: { id: streamId, finish, content, ...(feedbackField ? { feedback: feedbackField } : {}) } };
  }

  /** True the first time this msgid reaches this process and (with a store) any replica. */
  async function claim(claimId: string): Promise<boolean> {
    if (!seen.claim(claimId, () => true).isNew) return false;
    return claimDelivery(claims, claimId, logger);
  }

  async function answerMessage(requestId: string, message: AiBotMessage): Promise<void> {
    const claimId = `${SURFACE}:${message.msgid}`;
    if (!(await claim(claimId))) {
      logger.info({ surface: SURFACE, messageId: message.msgid }, "wecom: message already answered; ignored");
      return;
    }
    const streamId = randomUUID().replace(/-/g, "");
    const question = message.question;
    if (question === undefined) {
      // Images, files and videos: the bot reads text only, and says so politely.
      if ((await send(COMMANDS.respond, requestId, streamBody(streamId, REPLY_TEXTS.unsupported, true, false), message.msgid)) === ERRCODES.ok) {
        await confirmDelivery(claims, claimId, logger);
      }
      return;
    }
    if (queue.size >= maxPendingAnswers) {
      logger.warn({ surface: SURFACE, messageId: message.msgid, pending: queue.size }, "wecom: too many questions waiting; this one is told to wait");
      await send(COMMANDS.respond, requestId, streamBody(streamId, REPLY_TEXTS.queueFull, true, false), message.msgid);
      return;
    }
    // The placeholder shows at once; frames on one req_id go in order, so it is always the stream's first.
    const placeholder = send(COMMANDS.respond, requestId, streamBody(streamId, STREAM_PLACEHOLDER, false, true), message.msgid);
    // Retrieval runs on this thread; one turn of the event loop lets the placeholder's frame leave before it starts.
    await new Promise((resolve) => setImmediate(resolve));
    const accepted = queue.enqueue(answeringLineOf(message), async () => {
      const { markdown, kind } = await answerForStream(responder, aiBotIncoming(message, question, adminUserIds), feedback, streamId);
      const errcode = await send(COMMANDS.respond, requestId, streamBody(streamId, markdown, true, false), message.msgid);
      if (errcode === ERRCODES.streamExpired) await sendSeparately(message, markdown);
      logger.info({ surface: SURFACE, messageId: message.msgid, kind }, "wecom: bot answer sent");
    });
    if (!accepted) {
      logger.warn({ surface: SURFACE, messageId: message.msgid }, "wecom: conversation queue is full, question refused");
      await send(COMMANDS.respond, requestId, streamBody(streamId, REPLY_TEXTS.queueFull, true, false), message.msgid);
    }
    if ((await placeholder) === ERRCODES.ok) await confirmDelivery(claims, claimId, logger);
  }

  async function answerEvent(requestId: string, message: AiBotMessage): Promise<void> {
    if (message.eventType === "feedback_event") {
      await recordFeedbackEvent(message, { feedback, claims, logger, surface: SURFACE });
      return;
    }
    if (message.eventType !== "enter_chat") {
      logger.debug({ surface: SURFACE, eventType: message.eventType }, "wecom: event not used; ignored");
      return;
    }
    if (!(await claim(`${SURFACE}-event:${message.msgid}`))) return;
    // The welcome is the /start help text, worded by the responder like on every platform.
    const welcome = await responder.respond(aiBotIncoming(message, "/start", adminUserIds));
    const content = welcome.kind === "text" ? welcome.text : REPLY_TEXTS.failed;
    await send(COMMANDS.respondWelcome, requestId, { msgtype: "text", text: { content } }, message.msgid);
  }

  /** Reads the body; a callback missing the fields every callback has is logged and dropped. */
  function read(body: Json): AiBotMessage | undefined {
    try {
      return readAiBotMessage(body);
    } catch (error) {
      logger.warn({ surface: SURFACE, err: error }, "wecom: long-connection callback without msgid, msgtype or from.userid; dropped");
      return undefined;
    }
  }

  function run(work: Promise<void>): void {
    work.catch((error: unknown) => logger.error({ surface: SURFACE, err: error }, "wecom: long-connection callback failed"));
  }

  return {
    onMessage(requestId, body) {
      const message = read(body);
      if (message) run(answerMessage(requestId, message));
    },
    onEvent(requestId, body) {
      const message = read(body);
      if (message) run(answerEvent(requestId, message));
    },
  };
}
