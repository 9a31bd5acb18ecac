/**
 * How a Telegram update is taken in: a repeat is dropped (from memory first, then by the state
 * store's dedupe), a new one is recorded as a pending delivery before Telegram is told it arrived
 * (the webhook's 200, the next poll's offset), and its answer is marked sent only once it went out.
 * A pending delivery left by a process that died is taken over and handed back to telegraf here.
 * When as many updates as PENDING_DELIVERIES_MAX wait, a webhook call gets "full" (the route answers
 * 503, so Telegram delivers it again later) and long polling waits for room before its next poll.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import type { Update } from "telegraf/types";
import { createPendingDeliveries, type HeldDelivery } from "../../src/state/pending-deliveries.js";
import { createPayloadSeal } from "../../src/state/sealed-payload.js";
import type { StateStore } from "../../src/state/state-store.js";
import { createRecentUpdates } from "./recent-updates.js";

/** How often long polling looks for room again while the pending deliveries are full. */
const FULL_RETRY_MS = 1000;

export type IntakeOutcome = "taken" | "repeat" | "full";

export interface UpdateIntakeOptions {
  botToken: string;
  store?: StateStore;
  maxPending: number;
  leaseMs: number;
  logger: Logger;
  /** Hands a taken-over update to telegraf (its delivery is attached, see `deliveryOf`). */
  resume(update: Update): void;
}

export interface UpdateIntake {
  /** Records the update; "taken" attaches its delivery to the update object. `waitForRoom`: wait while full (long polling). */
  takeIn(update: Update, options: { waitForRoom: boolean }): Promise<IntakeOutcome>;
  /** The delivery an update taken in (or taken over) carries. */
  deliveryOf(update: Update): HeldDelivery | undefined;
  /** Starts taking over pending deliveries (after getMe: telegraf needs the bot's identity). */
  start(): void;
  /** Takes nothing more in: webhook calls get "full", a poll waiting for room gives up. */
  close(): void;
  /** After the answers in hand went out: gives back whatever is still held. */
  stop(): Promise<void>;
}

function chatIdOf(update: Update): number | undefined {
  if ("message" in update) return update.message.chat.id;
  if ("callback_query" in update) return update.callback_query.message?.chat.id;
  return undefined;
}

export function createUpdateIntake(options: UpdateIntakeOptions): UpdateIntake {
  const { logger } = options;
  const recentUpdates = createRecentUpdates();
  const attached = new WeakMap<Update, HeldDelivery>();
  // Update ids are per bot: the token's public part (before the colon) is the bot's id.
  const botId = options.botToken.split(":")[0] ?? "";
  let closed = false;
  const deliveries = createPendingDeliveries({
    store: options.store,
    kind: "telegram-update",
    seal: createPayloadSeal(options.botToken, "telegram-update"),
    leaseMs: options.leaseMs,
    maxPending: options.maxPending,
    logger,
    resume(delivery) {
      const update = JSON.parse(delivery.payload) as Update;
      recentUpdates.remember(update.update_id);
      attached.set(update, delivery);
      options.resume(update);
    },
  });

  function dropped(update: Update): IntakeOutcome {
    logger.debug({ updateId: update.update_id, chatId: chatIdOf(update) }, "telegram update delivered again; already taken in, dropped");
    return "repeat";
  }

  async function takeInOnce(update: Update): Promise<IntakeOutcome> {
    const updateId = update.update_id;
    if (recentUpdates.has(updateId)) return dropped(update);
    // Remembered before the store answers, so a repeat arriving meanwhile is dropped here.
    recentUpdates.remember(updateId);
    const intake = await deliveries.accept(`${botId}:${updateId}`, JSON.stringify(update));
    if (intake.outcome === "full") {
      recentUpdates.forget(updateId);
      return "full";
    }
    if (intake.outcome !== "taken") return dropped(update);
    attached.set(update, intake.delivery);
    return "taken";
  }

  return {
    async takeIn(update, { waitForRoom }) {
      for (;;) {
        if (closed) return "full";
        const outcome = await takeInOnce(update);
        if (outcome !== "full" || !waitForRoom) return outcome;
        await sleep(FULL_RETRY_MS);
      }
    },
    deliveryOf: (update) => attached.get(update),
    start: () => deliveries.start(),
    close() {
      closed = true;
      deliveries.stopTakingOver();
    },
    stop: () => deliveries.stop(),
  };
}
