/**
 * /wecom/bot — the AI bot (智能机器人) in URL-callback mode: the only surface that is @-mentioned
 * in group chats. Every reply is passive: the encrypted JSON in the HTTP response, signed with the
 * callback's own nonce and encrypted with receiveid "". Streams live in shared values
 * (answer-streams.ts), so any replica can take any callback; a `feedback_event` (WeCom's own
 * 👍 / 👎 under an answer) becomes the user's vote (native-feedback.ts).
 */
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import type { Responder } from "../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { aiBotIncoming, answeringLineOf, parseAiBotMessage, type AiBotMessage } from "./ai-bot-message.js";
import type { AnswerStreams, StreamSnapshot } from "./answer-streams.js";
import type { CallbackCrypto } from "./callback-crypto.js";
import { callbackBodyLimit, malformed, mountUrlVerification, refuse, signedParameters } from "./callback-http.js";
import type { FairQueue } from "./fair-queue.js";
import { answerForStream, recordFeedbackEvent } from "./ai-bot-answer.js";
import { claimDelivery, confirmDelivery, takeOverDelivery, type DeliveryClaims } from "./delivery-claims.js";
import type { NativeFeedback } from "./native-feedback.js";

export interface AiBotCallbackDependencies {
  crypto: CallbackCrypto;
  responder: Responder;
  /** WECOM_ADMIN_USERIDS. */
  adminUserIds: ReadonlySet<string>;
  streams: AnswerStreams;
  queue: FairQueue;
  maxBodyBytes: number;
  logger: Logger;
  /** The state store's dedupe, so a retry arriving after a restart is not answered again. */
  claims?: DeliveryClaims;
  /** WeCom's own 👍 / 👎 under each answer. */
  feedback: NativeFeedback;
}

export function mountAiBotCallback(app: Hono, dependencies: AiBotCallbackDependencies): void {
  const { crypto, responder, adminUserIds, streams, queue, logger, feedback } = dependencies;
  const surface = "bot";
  const path = "/wecom/bot";
  /** Message ids this process is taking in right now (between the claim and the stream reply). */
  const answering = new Set<string>();

  const toIncoming = (message: AiBotMessage, text: string) => aiBotIncoming(message, text, adminUserIds);

  function passiveReply(context: Context, nonce: string, plaintext: object): Response {
    const sealed = crypto.seal(JSON.stringify(plaintext), nonce);
    return context.json({ encrypt: sealed.encrypt, msgsignature: sealed.signature, timestamp: Number(sealed.timestamp), nonce });
  }

  /** `withFeedback` on the replies to the message itself: WeCom takes the feedback id from the first reply only. */
  function streamReply(context: Context, nonce: string, stream: StreamSnapshot, withFeedback = false): Response {
    const feedbackField = withFeedback ? feedback.fieldFor(stream.id) : undefined;
    return passiveReply(context, nonce, {
      msgtype: "stream",
      stream: { id: stream.id, finish: stream.finish, content: stream.content, ...(feedbackField ? { feedback: feedbackField } : {}) },
    });
  }

  mountUrlVerification(app, path, crypto, logger, surface);

  app.post(path, callbackBodyLimit(dependencies.maxBodyBytes, logger, surface), async (context) => {
    try {
      const parameters = signedParameters(context);
      let envelope: unknown;
      try {
        envelope = JSON.parse(await context.req.text());
      } catch (error) {
        throw malformed("AI-bot callback body", 'Expected JSON {"encrypt": "…"}.', error);
      }
      const encrypted = (envelope as { encrypt?: unknown } | null)?.encrypt;
      const message = parseAiBotMessage(crypto.open(parameters, typeof encrypted === "string" ? encrypted : undefined));
      const nonce = parameters.nonce!;

      if (message.msgtype === "stream") {
        if (!message.streamId) throw malformed("Stream refresh", "Expected stream.id.");
        return streamReply(context, nonce, await streams.refresh(message.streamId));
      }
      if (message.msgtype === "event") {
        if (message.eventType === "enter_chat") {
          // The welcome is the /start help text, worded by the responder like on every platform.
          const welcome = await responder.respond(toIncoming(message, "/start"));
          const content = welcome.kind === "text" ? welcome.text : REPLY_TEXTS.failed;
          return passiveReply(context, nonce, { msgtype: "text", text: { content } });
        }
        // The feedback event, like every other event here, is answered with an empty reply.
        if (message.eventType === "feedback_event") await recordFeedbackEvent(message, { feedback, claims: dependencies.claims, logger, surface });
        return context.body(null, 200);
      }

      // A retry, on this replica or another, gets the stream its first delivery opened.
      const { stream, isNew } = await streams.open(message.msgid, message.responseUrl);
      const claimId = `bot:${message.msgid}`;
      if (!isNew) {
        // Its first replica took the message and died before acknowledging it (the lease lapsed): this one answers into the same stream.
        const takeOver = !answering.has(message.msgid) && (await takeOverDelivery(dependencies.claims, claimId, logger));
        if (!takeOver) {
          logger.info({ surface, messageId: message.msgid }, "wecom: duplicate delivery, same stream returned");
          return streamReply(context, nonce, stream, true);
        }
        logger.info({ surface, messageId: message.msgid }, "wecom: retry of a message no replica acknowledged; answering it here");
      } else if (!(await claimDelivery(dependencies.claims, claimId, logger))) {
        // Streams expire after 30 minutes; the delivery claim remembers a message for a day.
        logger.info({ surface, messageId: message.msgid }, "wecom: delivery answered long ago; ignored");
        return context.body(null, 200);
      }
      // Until the reply below is returned, a retry reaching this process is not taken over by it.
      answering.add(message.msgid);
      try {
        const response = await answerInStream(context, nonce, message, stream);
        // The stream reply acknowledges the delivery: from now on the claim is kept for a day.
        await confirmDelivery(dependencies.claims, claimId, logger);
        return response;
      } finally {
        answering.delete(message.msgid);
      }
    } catch (error) {
      return refuse(context, error, logger, surface);
    }
  });

  /** Queues the answer (or says why there is none) and returns the stream's first reply. */
  async function answerInStream(context: Context, nonce: string, message: AiBotMessage, stream: StreamSnapshot): Promise<Response> {
    const question = message.question;
    if (question === undefined) {
      await streams.complete(stream.id, REPLY_TEXTS.unsupported);
      return streamReply(context, nonce, await streams.refresh(stream.id));
    }
    const conversation = answeringLineOf(message);
    const incoming = toIncoming(message, question);
    const accepted = queue.enqueue(conversation, async () => {
      const { markdown, kind } = await answerForStream(responder, incoming, feedback, stream.id);
      await streams.complete(stream.id, markdown);
      logger.info({ surface, messageId: message.msgid, kind }, "wecom: bot answer ready");
    });
    if (!accepted) {
      logger.warn({ surface, messageId: message.msgid }, "wecom: conversation queue is full, question refused");
      await streams.complete(stream.id, REPLY_TEXTS.queueFull);
      return streamReply(context, nonce, await streams.refresh(stream.id));
    }
    return streamReply(context, nonce, stream, true);
  }
}
