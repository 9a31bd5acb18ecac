/**
 * The WeCom adapter: the AI bot over the long connection it dials itself, the AI bot on /wecom/bot
 * (group @mentions and 1:1), the self-built app on /wecom/app (1:1), and re-index notices to a
 * group webhook. Each part starts only when its variables are set.
 */
import type { Hono } from "hono";
import { createConfiguredResponder } from "../../src/conversation/conversation-settings.js";
import type { ChatAdapterContext } from "../../src/conversation/chat-adapter-context.js";
import type { AdapterConnectionStatus, ChatAdapter } from "../../src/core/chat-adapter.js";
import { mountAiBotCallback } from "./ai-bot-callback.js";
import { createAnswerStreams, type AnswerStreams } from "./answer-streams.js";
import { createWecomApiClient } from "./api-client.js";
import { createAppAnswers, type AppAnswers } from "./app-answers.js";
import { mountAppCallback } from "./app-callback.js";
import { createCallbackCrypto } from "./callback-crypto.js";
import { createDedupeStore } from "./dedupe-store.js";
import { createFairQueue, type FairQueueOptions } from "./fair-queue.js";
import { forwardReindexNotices } from "./reindex-notices.js";
import { createLongConnectionAnswers } from "./long-connection/long-connection-answers.js";
import { startLongConnectionOwner, type LongConnectionOwner } from "./long-connection/long-connection-owner.js";
import type { ConnectionTimers } from "./long-connection/timers.js";
import { createNativeFeedback, type NativeFeedback } from "./native-feedback.js";
import { isAllowedResponseUrl } from "./response-url.js";
import { createInMemorySharedValues, withLocalFallback } from "./shared-values.js";
import type { WecomConfig } from "./settings.js";
import type { DeliverySettings } from "../../src/state/pending-deliveries.js";

/** Knobs for tests and the benchmark; production uses the defaults. */
export interface WecomAdapterOptions {
  /** Clock in milliseconds (the official vectors are from 2014). */
  now?: () => number;
  timestampWindowSeconds?: number;
  /** How long AI-bot refreshes may carry an answer before response_url takes over. */
  streamWindowMs?: number;
  queue?: Omit<FairQueueOptions, "onTaskError">;
  /** The long connection's heartbeat, backoff and ack clocks (tests step them by hand). */
  longConnectionTimers?: ConnectionTimers;
  /** How often a replica without the long connection tries to take it over. */
  longConnectionRetryMs?: number;
}

/** How long stop() lets answers in flight finish before it closes the long connection anyway. */
const STOP_GRACE_MS = 10_000;

export function createWecomAdapter(
  context: ChatAdapterContext<{ wecom?: WecomConfig; maxBodyBytes: number; deliveries: DeliverySettings }>,
  options: WecomAdapterOptions = {},
): ChatAdapter {
  const { bot, config, logger: parentLogger } = context;
  const logger = parentLogger.child({ adapter: "wecom" });
  const wecom = config.wecom;
  const now = options.now ?? Date.now;
  const api = wecom
    ? createWecomApiClient({
        apiBase: wecom.apiBase,
        app: wecom.app ? { corpId: wecom.app.corpId, secret: wecom.app.secret, agentId: wecom.app.agentId } : undefined,
        now,
      })
    : undefined;
  const queue = createFairQueue({
    ...options.queue,
    onTaskError: (error) => logger.error({ err: error }, "wecom: reply failed"),
  });
  const responder = context.responder ?? createConfiguredResponder(context);
  const adminUserIds: ReadonlySet<string> = new Set(wecom?.adminUserIds ?? []);
  const pendingNotices = new Set<Promise<void>>();
  let streams: AnswerStreams | undefined;
  let unsubscribe: (() => void) | undefined;
  let longConnection: LongConnectionOwner | undefined;
  let appAnswers: AppAnswers | undefined;
  // In the store, a stream opened on one replica is refreshed by any other; in memory without one.
  const values = context.store ? withLocalFallback(context.store, logger) : createInMemorySharedValues();
  const feedback: NativeFeedback = createNativeFeedback({
    values,
    // Votes need the question log: without it there is no answer to vote on.
    votes: config.questionLog.enabled ? context.store : undefined,
    retentionMs: config.questionLog.retentionDays * 24 * 60 * 60_000,
    logger,
  });

  function startLongConnection(): void {
    if (!wecom?.longConnection || longConnection) return;
    longConnection = startLongConnectionOwner({
      config: wecom.longConnection,
      locks: context.store,
      logger,
      timers: options.longConnectionTimers,
      retryMs: options.longConnectionRetryMs,
      createHandlers: (send) => createLongConnectionAnswers({ responder, adminUserIds, queue, feedback, claims: context.store, send, logger }),
    });
  }

  return {
    name: "wecom",

    mount(app: Hono) {
      if (!wecom || !api) return;
      if (wecom.app) {
        appAnswers = createAppAnswers({
          config: wecom.app,
          responder,
          api,
          queue,
          store: context.store,
          maxPending: config.deliveries.maxPending,
          leaseMs: config.deliveries.leaseMs,
          logger,
        });
        mountAppCallback(app, {
          config: wecom.app,
          crypto: createCallbackCrypto({
            token: wecom.app.token,
            encodingAesKey: wecom.app.encodingAesKey,
            receiveId: wecom.app.corpId,
            timestampWindowSeconds: options.timestampWindowSeconds,
            now,
          }),
          adminUserIds,
          answers: appAnswers,
          seenMessages: createDedupeStore<true>({ ttlMs: 30 * 60_000, maxEntries: 20_000 }),
          maxBodyBytes: config.maxBodyBytes,
          logger,
          now,
        });
        logger.info("wecom: self-built app callback on /wecom/app");
      }
      if (wecom.bot) {
        streams = createAnswerStreams({
          values,
          windowMs: options.streamWindowMs,
          logger,
          postLateAnswer: async (responseUrl, markdown) => {
            if (!isAllowedResponseUrl(responseUrl, wecom.apiBase)) {
              logger.warn("wecom: response_url is not on the WeCom API host; late answer not sent");
              return;
            }
            await api.postResponseUrl(responseUrl, markdown);
          },
        });
        mountAiBotCallback(app, {
          crypto: createCallbackCrypto({
            token: wecom.bot.token,
            encodingAesKey: wecom.bot.encodingAesKey,
            receiveId: "",
            timestampWindowSeconds: options.timestampWindowSeconds,
            now,
          }),
          responder,
          adminUserIds,
          streams,
          queue,
          maxBodyBytes: config.maxBodyBytes,
          logger,
          claims: context.store,
          feedback,
        });
        logger.info("wecom: AI bot callback on /wecom/bot");
      }
    },

    async start() {
      // Questions a process before this one acknowledged and did not answer go out first.
      appAnswers?.start();
      startLongConnection();
      await longConnection?.ready;
      if (!wecom?.webhookKey || !api || unsubscribe) return;
      unsubscribe = forwardReindexNotices({
        bot,
        api,
        webhookKey: wecom.webhookKey,
        logger,
        track: (work) => {
          pendingNotices.add(work);
          void work.finally(() => pendingNotices.delete(work));
        },
      });
      logger.info("wecom: re-index notices go to the group webhook");
    },

    async stop() {
      appAnswers?.stopTakingOver();
      unsubscribe?.();
      unsubscribe = undefined;
      if (longConnection) {
        // Answers in flight go out on the connection first; a connection that is down cannot hold the stop up for long.
        await Promise.race([queue.onIdle(), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
        await longConnection.stop();
      }
      await queue.onIdle();
      await appAnswers?.stop();
      await Promise.all([...pendingNotices]);
      streams?.close();
    },

    connections(): Record<string, AdapterConnectionStatus> {
      if (!longConnection) return {};
      const state = longConnection.state();
      // Standing by for another replica is healthy; dialling, dropped, refused or replaced is not.
      return { "wecom-long-connection": { ...state, degraded: state.state !== "connected" && state.state !== "standby" && state.state !== "stopped" } };
    },
  };
}

export type { WecomApiClient } from "./api-client.js";
