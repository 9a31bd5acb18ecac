/**
 * /wecom/app — the self-built app (自建应用), 1:1 chats only. WeCom waits 5 s and then re-sends,
 * so a message is acknowledged with an empty 200 at once and answered later through message/send,
 * exactly once per MsgId.
 */
import type { Hono } from "hono";
import type { Logger } from "pino";
import type { WecomAppConfig } from "./settings.js";
import type { Responder } from "../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import type { WecomApiClient } from "./api-client.js";
import { encryptedEnvelopeXml, parseXmlFields, passiveTextXml } from "./app-xml.js";
import type { CallbackCrypto } from "./callback-crypto.js";
import { callbackBodyLimit, malformed, mountUrlVerification, refuse, signedParameters } from "./callback-http.js";
import type { DedupeStore } from "./dedupe-store.js";
import { claimDelivery, confirmDelivery, type DeliveryClaims } from "./delivery-claims.js";
import type { FairQueue } from "./fair-queue.js";
import { toWecomReply } from "./wecom-reply.js";
import { APP_MESSAGE_MAX_BYTES, renderReplyMessages } from "./render-reply.js";

export interface AppCallbackDependencies {
  config: WecomAppConfig;
  crypto: CallbackCrypto;
  responder: Responder;
  /** WECOM_ADMIN_USERIDS. */
  adminUserIds: ReadonlySet<string>;
  api: WecomApiClient;
  queue: FairQueue;
  seenMessages: DedupeStore<true>;
  /** The state store's dedupe, so a retry arriving after a restart is not answered again. */
  claims?: DeliveryClaims;
  maxBodyBytes: number;
  logger: Logger;
  now: () => number;
}

export function mountAppCallback(app: Hono, dependencies: AppCallbackDependencies): void {
  const { config, crypto, responder, adminUserIds, api, queue, seenMessages, logger, now } = dependencies;
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
      if (!seenMessages.claim(messageId, () => true).isNew || !(await claimDelivery(dependencies.claims, `app:${messageId}`, logger))) {
        logger.info({ surface, messageId }, "wecom: duplicate delivery ignored");
        return context.body(null, 200);
      }
      // Whatever this delivery answers acknowledges it to WeCom: from then on the claim is kept for a day.
      const acknowledge = async (response: Response) => {
        await confirmDelivery(dependencies.claims, `app:${messageId}`, logger);
        return response;
      };
      if (messageType === "event") return acknowledge(context.body(null, 200));

      const passiveReply = (content: string) => {
        const plaintext = passiveTextXml(userId, config.corpId, content, Math.floor(now() / 1000));
        return context.body(encryptedEnvelopeXml(crypto.seal(plaintext, parameters.nonce!)), 200, {
          "content-type": "application/xml; charset=utf-8",
        });
      };
      // Voice arrives with a transcript in Recognition when 语音识别 is switched on for the app.
      const question = messageType === "text" ? message.Content : messageType === "voice" ? message.Recognition : undefined;
      if (question === undefined) return acknowledge(passiveReply(REPLY_TEXTS.unsupported));

      // The app is 1:1 only: the user is the conversation.
      const incoming = {
        text: question,
        platform: "wecom",
        conversationKey: `wecom-app:${userId}`,
        userId,
        addressedToBot: true,
        isAdmin: adminUserIds.has(userId),
      } as const;
      const accepted = queue.enqueue(`app:${userId}`, async () => {
        const reply = toWecomReply(await responder.respond(incoming));
        if (!reply) return;
        for (const content of renderReplyMessages(reply, APP_MESSAGE_MAX_BYTES)) {
          await api.sendAppMessage(userId, { msgtype: "markdown", content });
        }
        logger.info({ surface, messageId, kind: reply.kind }, "wecom: app reply sent");
      });
      if (!accepted) {
        logger.warn({ surface, messageId }, "wecom: user's queue is full, question refused");
        return acknowledge(passiveReply(REPLY_TEXTS.queueFull));
      }
      return acknowledge(context.body(null, 200));
    } catch (error) {
      return refuse(context, error, logger, surface);
    }
  });
}
