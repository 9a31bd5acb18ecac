/**
 * /wecom/bot — the AI bot (智能机器人) in URL-callback mode: the only surface that is @-mentioned
 * in group chats. Every reply is passive: the encrypted JSON in the HTTP response, signed with the
 * callback's own nonce and encrypted with receiveid "".
 */
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import { parseAiBotMessage } from "./ai-bot-message.js";
import type { AnswerStreams, StreamSnapshot } from "./answer-streams.js";
import type { CallbackCrypto } from "./callback-crypto.js";
import { callbackBodyLimit, malformed, mountUrlVerification, refuse, signedParameters } from "./callback-http.js";
import type { FairQueue } from "./fair-queue.js";
import type { QuestionResponder } from "./question-responder.js";
import { STREAM_CONTENT_MAX_BYTES, renderReplyWithin } from "./render-reply.js";

export const BOT_BUSY_REPLY = "您所在的会话问题较多，正在逐个处理，请稍后再问。";
export const BOT_UNSUPPORTED_REPLY = "目前只能回答文字提问，请用文字描述您的问题。";

export interface AiBotCallbackDependencies {
  crypto: CallbackCrypto;
  responder: QuestionResponder;
  streams: AnswerStreams;
  queue: FairQueue;
  welcomeText: () => string;
  maxBodyBytes: number;
  logger: Logger;
}

export function mountAiBotCallback(app: Hono, dependencies: AiBotCallbackDependencies): void {
  const { crypto, responder, streams, queue, logger } = dependencies;
  const surface = "bot";
  const path = "/wecom/bot";

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
          return passiveReply(context, nonce, { msgtype: "text", text: { content: dependencies.welcomeText() } });
        }
        return context.body(null, 200);
      }

      const { stream, isNew } = streams.open(message.msgid, message.responseUrl);
      if (!isNew) {
        logger.info({ surface, messageId: message.msgid }, "wecom: duplicate delivery, same stream returned");
        return streamReply(context, nonce, stream);
      }
      const question = message.question;
      if (question === undefined) {
        streams.complete(stream.id, BOT_UNSUPPORTED_REPLY);
        return streamReply(context, nonce, streams.refresh(stream.id));
      }
      // A group shares one line, so one busy group cannot hold every answering slot.
      const conversation = message.chattype === "group" && message.chatid ? `group:${message.chatid}` : `user:${message.userId}`;
      const accepted = queue.enqueue(conversation, async () => {
        const reply = await responder.respond({ text: question, userId: message.userId, chatId: message.chatid });
        streams.complete(stream.id, renderReplyWithin(reply, STREAM_CONTENT_MAX_BYTES));
        logger.info({ surface, messageId: message.msgid, kind: reply.kind }, "wecom: bot answer ready");
      });
      if (!accepted) {
        logger.warn({ surface, messageId: message.msgid }, "wecom: conversation queue is full, question refused");
        streams.complete(stream.id, BOT_BUSY_REPLY);
        return streamReply(context, nonce, streams.refresh(stream.id));
      }
      return streamReply(context, nonce, stream);
    } catch (error) {
      return refuse(context, error, logger, surface);
    }
  });
}
