/**
 * /wecom/app — the self-built app (自建应用), 1:1 chats only. WeCom waits 5 s and then re-sends,
 * so a message is recorded as a pending delivery, acknowledged with an empty 200 at once and
 * answered later through message/send, exactly once per MsgId, even across a crash (app-answers.ts).
 */
import type { Hono } from "hono";
import type { Logger } from "pino";
import type { WecomAppConfig } from "./settings.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import type { AppAnswers } from "./app-answers.js";
import { encryptedEnvelopeXml, parseXmlFields, passiveTextXml } from "./app-xml.js";
import type { CallbackCrypto } from "./callback-crypto.js";
import { callbackBodyLimit, malformed, mountUrlVerification, refuse, signedParameters } from "./callback-http.js";
import type { DedupeStore } from "./dedupe-store.js";

export interface AppCallbackDependencies {
  config: WecomAppConfig;
  crypto: CallbackCrypto;
  /** WECOM_ADMIN_USERIDS. */
  adminUserIds: ReadonlySet<string>;
  /** Questions as pending deliveries in the state store: answered once, even after a restart. */
  answers: AppAnswers;
  seenMessages: DedupeStore<true>;
  maxBodyBytes: number;
  logger: Logger;
  now: () => number;
}

export function mountAppCallback(app: Hono, dependencies: AppCallbackDependencies): void {
  const { config, crypto, adminUserIds, answers, seenMessages, logger, now } = dependencies;
  const surface = "app";
  const path = "/wecom/app";

  mountUrlVerification(app, path, crypto, logger, surface);

  app.post(path, callbackBodyLimit(dependencies.maxBodyBytes, logger, surface), async (context) => {
    try {
      const parameters = signedParameters(context);
      const envelope = parseXmlFields(await context.req.text(), "App callback body");
      const message = parseXmlFields(crypto.open(parameters, envelope.Encrypt), "Decrypted app message");
      const userId = message.FromUserName;
      const messageType = message.MsgType;
      if (!userId || !messageType) throw malformed("Decrypted app message", "Expected FromUserName and MsgType.");
      // Events carry no MsgId; WeCom's own advice is FromUserName + CreateTime.
      const messageId = message.MsgId ?? `${userId}:${message.CreateTime ?? ""}:${message.Event ?? ""}`;
      if (!seenMessages.claim(messageId, () => true).isNew) {
        logger.info({ surface, messageId }, "wecom: duplicate delivery ignored");
        return context.body(null, 200);
      }
      // Nothing to answer later: an event is acknowledged as it is, and a passive reply answers in the response itself.
      if (messageType === "event") return context.body(null, 200);

      const passiveReply = (content: string) => {
        const plaintext = passiveTextXml(userId, config.corpId, content, Math.floor(now() / 1000));
        return context.body(encryptedEnvelopeXml(crypto.seal(plaintext, parameters.nonce!)), 200, {
          "content-type": "application/xml; charset=utf-8",
        });
      };
      // Voice arrives with a transcript in Recognition when 语音识别 is switched on for the app.
      const question = messageType === "text" ? message.Content : messageType === "voice" ? message.Recognition : undefined;
      if (question === undefined) return passiveReply(REPLY_TEXTS.unsupported);

      const intake = await answers.accept(messageId, { userId, question, isAdmin: adminUserIds.has(userId) });
      if (intake === "repeat") logger.info({ surface, messageId }, "wecom: duplicate delivery ignored");
      if (intake === "full" || intake === "line-full") {
        logger.warn({ surface, messageId, reason: intake }, "wecom: too many questions wait for an answer, question refused");
        return passiveReply(REPLY_TEXTS.queueFull);
      }
      return context.body(null, 200);
    } catch (error) {
      return refuse(context, error, logger, surface);
    }
  });
}
