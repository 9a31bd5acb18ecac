/**
 * The self-built app's answers as pending deliveries (src/state/pending-deliveries.ts). A question
 * is recorded in the state store before WeCom gets its empty 200, its rendered messages are kept
 * once prepared, each message sent through message/send is counted, and only after the last one
 * is the MsgId marked answered. A process that dies with questions in its queue leaves them
 * pending: the next process (or another replica, once the lease lapsed) sends what is missing.
 */
import type { Logger } from "pino";
import type { Responder } from "../../src/conversation/incoming.js";
import { createPendingDeliveries, isLeaseLost, type HeldDelivery } from "../../src/state/pending-deliveries.js";
import { createPayloadSeal } from "../../src/state/sealed-payload.js";
import type { StateStore } from "../../src/state/state-store.js";
import type { WecomApiClient } from "./api-client.js";
import { isWecomError } from "./errors.js";
import type { FairQueue } from "./fair-queue.js";
import { APP_MESSAGE_MAX_BYTES, renderReplyMessages } from "./render-reply.js";
import type { WecomAppConfig } from "./settings.js";
import { toWecomReply } from "./wecom-reply.js";

const SURFACE = "app";
/** WeCom's "system busy, try again" errcode. */
const SYSTEM_BUSY = -1;

/** What a pending app delivery keeps of the message (sealed in the store). */
export interface AppQuestion {
  userId: string;
  question: string;
  isAdmin: boolean;
}

/** The reply as it is sent, kept so a takeover sends the same messages. */
interface PreparedAppReply {
  kind: "answer" | "notice" | "none";
  messages: string[];
}

/** "queued": recorded and in the user's line; "repeat": answered or pending already; "full": not kept (PENDING_DELIVERIES_MAX); "line-full": the user's own line is full. */
export type AppIntake = "queued" | "repeat" | "full" | "line-full";

export interface AppAnswersOptions {
  config: WecomAppConfig;
  responder: Responder;
  api: WecomApiClient;
  queue: FairQueue;
  store?: StateStore;
  maxPending: number;
  leaseMs: number;
  logger: Logger;
}

export interface AppAnswers {
  accept(messageId: string, question: AppQuestion): Promise<AppIntake>;
  start(): void;
  stopTakingOver(): void;
  stop(): Promise<void>;
}

/** The message may go through later: WeCom could not be reached, or said it is busy. */
function worthRetrying(error: unknown): boolean {
  return isWecomError(error) && (error.code === "WECOM_API_REQUEST" || error.errcode === SYSTEM_BUSY);
}

export function createAppAnswers(options: AppAnswersOptions): AppAnswers {
  const { responder, api, queue, logger } = options;

  async function prepare(question: AppQuestion): Promise<PreparedAppReply> {
    // The app is 1:1 only: the user is the conversation.
    const reply = toWecomReply(
      await responder.respond({
        text: question.question,
        platform: "wecom",
        conversationKey: `wecom-app:${question.userId}`,
        userId: question.userId,
        addressedToBot: true,
        isAdmin: question.isAdmin,
      }),
    );
    return reply ? { kind: reply.kind, messages: renderReplyMessages(reply, APP_MESSAGE_MAX_BYTES) } : { kind: "none", messages: [] };
  }

  async function answer(delivery: HeldDelivery, question: AppQuestion): Promise<void> {
    const deliveryId = delivery.id;
    let prepared = delivery.reply === undefined ? undefined : (JSON.parse(delivery.reply) as PreparedAppReply);
    try {
      if (!prepared) {
        prepared = await prepare(question);
        await delivery.saveReply(JSON.stringify(prepared));
      }
      for (let part = delivery.sentParts; part < prepared.messages.length; part += 1) {
        await delivery.beforeSend();
        await api.sendAppMessage(question.userId, { msgtype: "markdown", content: prepared.messages[part]! });
        await delivery.sent(part + 1);
        logger.debug({ surface: SURFACE, deliveryId, partsDone: part + 1 }, "wecom: app reply message sent");
      }
    } catch (error) {
      if (isLeaseLost(error)) {
        logger.info({ surface: SURFACE, deliveryId }, "wecom: app reply left to the replica that took its delivery over");
        delivery.abandon();
      } else if (worthRetrying(error)) {
        logger.warn({ err: error, surface: SURFACE, deliveryId }, "wecom: app reply not sent, WeCom could not be reached; tried again later");
        await delivery.retryLater();
      } else {
        // A refusal would be refused again, and a failing responder would fail again.
        logger.error({ err: error, surface: SURFACE, deliveryId }, "wecom: reply failed");
        await delivery.complete();
      }
      return;
    }
    await delivery.complete();
    logger.info({ surface: SURFACE, deliveryId, kind: prepared.kind, messages: prepared.messages.length }, "wecom: app reply sent");
  }

  function enqueue(delivery: HeldDelivery, question: AppQuestion): boolean {
    return queue.enqueue(`app:${question.userId}`, () => answer(delivery, question));
  }

  const deliveries = createPendingDeliveries({
    store: options.store,
    kind: "wecom-msgid",
    seal: createPayloadSeal(`${options.config.corpId}:${options.config.secret}`, "wecom-app"),
    leaseMs: options.leaseMs,
    maxPending: options.maxPending,
    logger,
    resume(delivery) {
      // The user's line is full of newer questions: this one waits for a later look.
      if (!enqueue(delivery, JSON.parse(delivery.payload) as AppQuestion)) void delivery.retryLater();
    },
  });

  return {
    async accept(messageId, question) {
      const intake = await deliveries.accept(`app:${messageId}`, JSON.stringify(question));
      if (intake.outcome === "full") return "full";
      if (intake.outcome !== "taken") return "repeat";
      if (enqueue(intake.delivery, question)) return "queued";
      // Answered by the callback's own reply (the "busy" notice): nothing is left to send.
      await intake.delivery.complete();
      return "line-full";
    },
    start: () => deliveries.start(),
    stopTakingOver: () => deliveries.stopTakingOver(),
    stop: () => deliveries.stop(),
  };
}
