/**
 * /wecom/bot — the AI bot (智能机器人) in URL-callback mode: the only surface that is @-mentioned
 * in group chats. Every reply is passive: the encrypted JSON in the HTTP response, signed with the
 * callback's own nonce and encrypted with receiveid "".
 */
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import type { Incoming, Responder } from "../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { parseAiBotMessage, type AiBotMessage } from "./ai-bot-message.js";
import type { AnswerStreams, StreamSnapshot } from "./answer-streams.js";
import type { CallbackCrypto } from "./callback-crypto.js";
import { callbackBodyLimit, malformed, mountUrlVerification, refuse, signedParameters } from "./callback-http.js";
import type { FairQueue } from "./fair-queue.js";
import { toWecomReply } from "./wecom-reply.js";
import { STREAM_CONTENT_MAX_BYTES, renderReplyWithin } from "./render-reply.js";
import { claimDelivery, type DeliveryClaims } from "./delivery-claims.js";

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
}

export function mountAiBotCallback(app: Hono, dependencies: AiBotCallbackDependencies): void {
  const { crypto, responder, adminUserIds, streams, queue, logger } = dependencies;
  const surface = "bot";
  const path = "/wecom/bot";

  /** In a group each member's questions form their own conversation; 1:1 it is the user's. */
  function toIncoming(message: AiBotMessage, text: string): Incoming {
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

  function passiveReply(context: Context, nonce: string, plaintext: object): Response {
    const sealed = crypto.seal(JSON.stringify(plaintext), nonce);
    return context.json({ encrypt: sealed.encrypt, msgsignature: sealed.signature, timestamp: Number(sealed.timestamp), nonce });
  }

  function streamReply(context: Context, nonce: string, stream: StreamSnapshot): Response {
    return passiveReply(context, nonce, { msgtype: "stream", stream: { id: stream.id, finish: stream.finish, content: stream.content } });
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
        return streamReply(context, nonce, streams.refresh(message.streamId));
      }
      if (message.msgtype === "event") {
        if (message.eventType === "enter_chat") {
          // The welcome is the /start help text, worded by the responder like on every platform.
          const welcome = await responder.respond(toIncoming(message, "/start"));
          const content = welcome.kind === "text" ? welcome.text : REPLY_TEXTS.failed;
          return passiveReply(context, nonce, { msgtype: "text", text: { content } });
        }
        return context.body(null, 200);
      }

      // A stream open here is a retry answered from memory; otherwise the store says whether an earlier run took it.
      if (!streams.has(message.msgid) && !(await claimDelivery(dependencies.claims, `bot:${message.msgid}`, logger))) {
        logger.info({ surface, messageId: message.msgid }, "wecom: delivery already answered before a restart; ignored");
        return context.body(null, 200);
      }
      const { stream, isNew } = streams.open(message.msgid, message.responseUrl);
      if (!isNew) {
        logger.info({ surface, messageId: message.msgid }, "wecom: duplicate delivery, same stream returned");
        return streamReply(context, nonce, stream);
      }
      const question = message.question;
      if (question === undefined) {
        streams.complete(stream.id, REPLY_TEXTS.unsupported);
        return streamReply(context, nonce, streams.refresh(stream.id));
      }
      // A group shares one line, so one busy group cannot hold every answering slot.
      const conversation = message.chattype === "group" && message.chatid ? `group:${message.chatid}` : `user:${message.userId}`;
      const incoming = toIncoming(message, question);
      const accepted = queue.enqueue(conversation, async () => {
        const reply = toWecomReply(await responder.respond(incoming)) ?? { kind: "notice", markdown: REPLY_TEXTS.failed };
        streams.complete(stream.id, renderReplyWithin(reply, STREAM_CONTENT_MAX_BYTES));
        logger.info({ surface, messageId: message.msgid, kind: reply.kind }, "wecom: bot answer ready");
      });
      if (!accepted) {
        logger.warn({ surface, messageId: message.msgid }, "wecom: conversation queue is full, question refused");
        streams.complete(stream.id, REPLY_TEXTS.queueFull);
        return streamReply(context, nonce, streams.refresh(stream.id));
      }
      return streamReply(context, nonce, stream);
    } catch (error) {
      return refuse(context, error, logger, surface);
    }
  });
}
