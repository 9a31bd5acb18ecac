/**
 * Telegram transport for the shared responder: a message becomes an `Incoming`, the `Reply` becomes
 * Telegram HTML. Update handlers only queue the work: telegraf handles a polling batch with
 * Promise.all and fetches the next batch only when every handler has returned, so one slow answer
 * awaited here would stall every other chat.
 */
import { setTimeout as sleep } from "node:timers/promises";
import PQueue from "p-queue";
import { Telegraf } from "telegraf";
import { message } from "telegraf/filters";
import type { InlineKeyboardButton } from "telegraf/types";
import { createConfiguredResponder } from "../../src/conversation/conversation-settings.js";
import type { Incoming, Reply } from "../../src/conversation/incoming.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import type { ChatAdapterContext } from "../../src/conversation/chat-adapter-context.js";
import type { AdapterConnectionStatus, ChatAdapter } from "../../src/core/chat-adapter.js";
import { KnowledgeBotError } from "../../src/core/errors.js";
import { isLeaseLost, type DeliverySettings, type HeldDelivery } from "../../src/state/pending-deliveries.js";
import { voterKey } from "../../src/state/voter-key.js";
import { maskPersonalData } from "../../src/core/mask-personal-data.js";
import { escapeHtml } from "./escape-html.js";
import { renderAnswer } from "./render-reply.js";
import { createReplySender, type SendProgress } from "./reply-sender.js";
import { leadPolling, type PollingLeader, type PollingRun } from "./polling-leader.js";
import { createPollingStatus, observeApiCalls } from "./polling-status.js";
import { createSendQueue, isDroppedForFloodControl, type SendQueueOptions } from "./send-queue.js";
import { splitMessage } from "./split-message.js";
import { describeConnectionError, isUnreachable } from "./telegram-errors.js";
import { toIncoming, type BotIdentity, type IncomingTextMessage } from "./to-incoming.js";
import type { TelegramConfig } from "./settings.js";
import { createUpdateIntake } from "./update-intake.js";
import { mountWebhookRoute } from "./webhook-route.js";

/** The updates the bot asks for: messages, and the presses of its feedback buttons. */
const ALLOWED_UPDATES = ["message", "callback_query"] as const;
type TelegrafSignal = NonNullable<Parameters<Telegraf["telegram"]["callApi"]>[2]>["signal"];

/** How long a stop waits for a launch under way to make its poller, so it can stop it. */
const LAUNCH_WAIT_MS = 5_000;
/** callback_data of the feedback buttons: `fb:up:<answerId>` / `fb:down:<answerId>` (under Telegram's 64 bytes). */
const feedbackDataPattern = /^fb:(up|down):([A-Za-z0-9_-]{1,56})$/;

/**
 * A reply as it is sent, kept with its pending delivery so a takeover sends the same messages:
 * the HTML messages, the keyboard under the last, and what the answer log line reports.
 */
interface PreparedReply {
  messages: string[];
  keyboard: InlineKeyboardButton[][];
  answer?: { citations: number; noAnswer: boolean; disclaimer: boolean; understood: boolean };
}

/** Tuning knobs; production uses the defaults, tests shorten the waits. */
export interface TelegramAdapterOptions {
  /** The `retry_after` cap always comes from config (TELEGRAM_MAX_RETRY_AFTER_SECONDS). */
  sendQueue?: Omit<SendQueueOptions, "onRetry" | "onDrop" | "maxRetryAfterSeconds">;
  /** Knowledge-base questions answered at the same time across all chats. */
  answerConcurrency?: number;
  typingIntervalMs?: number;
}

export function createTelegramAdapter(
  context: ChatAdapterContext<{ telegram?: TelegramConfig; deliveries: DeliverySettings }>,
  options: TelegramAdapterOptions = {},
): ChatAdapter {
  const settings = context.config.telegram;
  if (!settings) {
    throw new KnowledgeBotError(
      "CONFIG_INVALID",
      "The Telegram adapter was created without a bot token.",
      "Set TELEGRAM_BOT_TOKEN (BotFather's /newbot prints it), or do not start the Telegram adapter.",
    );
  }
  const responder = context.responder ?? createConfiguredResponder(context);
  const adminIds: ReadonlySet<string> = new Set(settings.adminIds.map((id) => id.trim()));
  const logger = context.logger.child({ adapter: "telegram" });
  const webhookUrl = settings.webhookUrl ? new URL(settings.webhookUrl) : undefined;
  const pollingRetryMs = settings.pollingRetryMs;

  // webhookReply off: replies are sent from queued work after the webhook call has been answered.
  const telegraf = new Telegraf(settings.botToken, { telegram: { apiRoot: settings.apiRoot, webhookReply: false } });
  const sendQueue = createSendQueue({
    ...options.sendQueue,
    maxRetryAfterSeconds: settings.maxRetryAfterSeconds,
    onRetry: (details) => logger.warn(details, "telegram flood control (429): waiting retry_after before sending again"),
    // Chat id, method and wait only: neither the message text nor the token reaches the log.
    onDrop: (details) =>
      logger.warn(
        { ...details, maxRetryAfterSeconds: settings.maxRetryAfterSeconds },
        "telegram flood control (429): retry_after is over TELEGRAM_MAX_RETRY_AFTER_SECONDS; message dropped",
      ),
  });
  const store = context.store;
  // Votes need the logged answer, so the buttons show only where they can be recorded.
  const feedbackOn = store !== undefined && context.config.questionLog.enabled;
  const workQueue = new PQueue({ concurrency: options.answerConcurrency ?? 8 });
  const replies = createReplySender({ telegram: telegraf.telegram, sendQueue, logger, typingIntervalMs: options.typingIntervalMs });
  const intake = createUpdateIntake({
    botToken: settings.botToken,
    store,
    maxPending: context.config.deliveries.maxPending,
    leaseMs: context.config.deliveries.leaseMs,
    logger,
    resume: (update) =>
      void telegraf.handleUpdate(update).catch((error: unknown) => logger.error({ err: error, updateId: update.update_id }, "telegram update failed")),
  });
  /** Deliveries whose answer is queued work: that work marks them answered, not the middleware. */
  const queuedDeliveries = new WeakSet<HeldDelivery>();
  /** The polling this process runs alone (no state store), or the turn-taking with other replicas. */
  let pollingRun: PollingRun | undefined;
  let leader: PollingLeader | undefined;
  let mounted = false;
  /** Aborted by stop(): a start under way gives up its Bot API calls. */
  const lifetime = new AbortController();
  const pollingStatus = createPollingStatus();
  /** Set by the run being launched: deleteWebhook answered, so its poller starts next. */
  let onDeleteWebhookAnswered: (() => void) | undefined;
  observeApiCalls(telegraf, {
    answered(method) {
      if (method === "deleteWebhook") onDeleteWebhookAnswered?.();
      if (method === "getUpdates" && !lifetime.signal.aborted) pollingStatus.set("connected");
    },
    failed(method, error) {
      // telegraf tries getUpdates again by itself after a network error; meanwhile nothing arrives.
      if (method === "getUpdates" && !lifetime.signal.aborted) pollingStatus.set("reconnecting", error);
    },
  });
  const currentPoller = () => (telegraf as unknown as { polling?: object }).polling;

  function identity(): BotIdentity {
    const botInfo = telegraf.botInfo;
    if (!botInfo) throw new Error("telegram bot identity requested before getMe");
    return { id: botInfo.id, username: botInfo.username };
  }

  /** Each message of a reply is counted in its delivery once sent, so a takeover sends only the rest. */
  function progressOf(delivery: HeldDelivery, chatId: number): SendProgress {
    return {
      firstPart: delivery.sentParts,
      beforeSend: () => delivery.beforeSend(),
      afterSend: async (partsDone, sent) => {
        await delivery.sent(partsDone);
        // After the store write: a reader of the log knows this message is recorded (the crash tests wait on it).
        if (sent) logger.debug({ chatId, deliveryId: delivery.id, partsDone }, "telegram reply message sent");
      },
    };
  }

  /** Queues work for a message; failures are logged with the chat id and never reach telegraf. */
  function schedule(incoming: IncomingTextMessage, delivery: HeldDelivery, task: () => Promise<void>): void {
    queuedDeliveries.add(delivery);
    void workQueue.add(async () => {
      try {
        await task();
      } catch (error) {
        logger.error({ err: error, chatId: incoming.chat.id }, "telegram reply failed");
      }
    });
  }

  /** Asks the responder (unless a resumed delivery's reply was prepared before) and sends the reply, tracked in its delivery. */
  async function respond(incoming: IncomingTextMessage, question: Incoming, delivery: HeldDelivery): Promise<void> {
    const startedAt = performance.now();
    const resumed = delivery.reply !== undefined;
    let prepared = delivery.reply === undefined ? undefined : (JSON.parse(delivery.reply) as PreparedReply);
    try {
      await replies.withTyping(incoming, async () => {
        if (!prepared) {
          prepared = prepareReply(await askResponder(incoming, question));
          await delivery.saveReply(JSON.stringify(prepared));
        }
        if (prepared.messages.length > 0) await replies.send(incoming, prepared.messages, prepared.keyboard, progressOf(delivery, incoming.chat.id));
      });
    } catch (error) {
      await sendFailed(incoming, question, delivery, error);
      return;
    }
    await delivery.complete();
    if (!prepared?.answer) return;
    logger.info(
      {
        chatId: incoming.chat.id,
        chatType: incoming.chat.type,
        question: maskPersonalData(question.text),
        durationMs: Math.round(performance.now() - startedAt),
        ...prepared.answer,
        messages: prepared.messages.length,
        resumed: resumed || undefined,
      },
      "telegram question answered",
    );
  }

  async function askResponder(incoming: IncomingTextMessage, question: Incoming): Promise<Reply> {
    try {
      return await responder.respond(question);
    } catch (error) {
      logger.error({ err: error, chatId: incoming.chat.id, question: maskPersonalData(question.text) }, "telegram reply failed");
      return { kind: "text", text: REPLY_TEXTS.failed };
    }
  }

  /** What a failed send means for its delivery: handed over, tried again later, or answered with the failure notice. */
  async function sendFailed(incoming: IncomingTextMessage, question: Incoming, delivery: HeldDelivery, error: unknown): Promise<void> {
    const chatId = incoming.chat.id;
    if (isLeaseLost(error)) {
      logger.info({ chatId }, "telegram reply left to the replica that took its delivery over");
      delivery.abandon();
      return;
    }
    // Telegram asked this chat to wait far too long (logged by the send queue); a "something failed" reply would meet the same wait.
    if (isDroppedForFloodControl(error)) {
      await delivery.complete();
      return;
    }
    if (isUnreachable(error)) {
      logger.warn({ err: error, chatId }, "telegram reply not sent: Telegram could not be reached; tried again later");
      await delivery.retryLater();
      return;
    }
    logger.error({ err: error, chatId, question: maskPersonalData(question.text) }, "telegram reply failed");
    await replies
      .send(incoming, [escapeHtml(REPLY_TEXTS.failed)])
      .catch((sendError: unknown) => logger.error({ err: sendError, chatId }, "telegram send failed"));
    await delivery.complete();
  }

  /** A reply in Telegram's format: plain-text replies escaped, answers as HTML with their buttons. */
  function prepareReply(reply: Reply): PreparedReply {
    if (reply.kind === "none") return { messages: [], keyboard: [] };
    if (reply.kind === "text") return { messages: splitMessage(escapeHtml(reply.text)), keyboard: [] };
    const rendered = renderAnswer(reply.answer);
    const feedbackRow = feedbackOn
      ? [
          [
            { text: "👍", callback_data: `fb:up:${reply.answerId}` },
            { text: "👎", callback_data: `fb:down:${reply.answerId}` },
          ],
        ]
      : [];
    return {
      messages: splitMessage(rendered.html),
      keyboard: [...rendered.keyboard, ...feedbackRow],
      answer: {
        citations: reply.answer.citations.length,
        noAnswer: reply.answer.noAnswer,
        disclaimer: reply.answer.disclaimer,
        understood: reply.answer.understoodAs !== undefined,
      },
    };
  }

  // First middleware, for polling and webhook alike. The webhook route and a takeover took the
  // update in before handing it to telegraf; long polling hands it straight here.
  telegraf.use(async (telegrafContext, next) => {
    const update = telegrafContext.update;
    let delivery = intake.deliveryOf(update);
    if (!delivery) {
      // Waiting while full holds the poller: the offset that tells Telegram it arrived is not sent meanwhile.
      if ((await intake.takeIn(update, { waitForRoom: true })) !== "taken") return;
      delivery = intake.deliveryOf(update)!;
    }
    try {
      await next();
    } finally {
      // Nothing was queued (a button press, a message not for the bot): handled now.
      if (!queuedDeliveries.has(delivery)) await delivery.complete();
    }
  });

  telegraf.on("callback_query", async (telegrafContext) => {
    const query = telegrafContext.callbackQuery;
    const match = "data" in query ? feedbackDataPattern.exec(query.data) : null;
    if (!match || !store) {
      await telegrafContext.answerCbQuery();
      return;
    }
    const [, rating, answerId] = match;
    let recorded = false;
    try {
      recorded = await store.recordVote({
        answerId: answerId!,
        voter: voterKey("telegram", String(query.from.id)),
        rating: rating as "up" | "down",
        at: Date.now(),
      });
    } catch (error) {
      logger.warn({ err: error, chatId: telegrafContext.chat?.id }, "telegram feedback not recorded");
    }
    logger.info({ chatId: telegrafContext.chat?.id, rating, recorded }, "telegram feedback");
    await telegrafContext.answerCbQuery(recorded ? REPLY_TEXTS.feedbackThanks : REPLY_TEXTS.feedbackUnknown);
  });

  telegraf.on(message("text"), (telegrafContext) => {
    const incoming = telegrafContext.message;
    const question: Incoming = { ...toIncoming(incoming, identity(), adminIds), chatKind: incoming.chat.type === "private" ? "private" : "group" };
    const delivery = intake.deliveryOf(telegrafContext.update);
    if (question.addressedToBot && delivery) schedule(incoming, delivery, () => respond(incoming, question, delivery));
  });

  telegraf.catch((error, telegrafContext) => {
    logger.error({ err: error, chatId: telegrafContext.chat?.id, updateId: telegrafContext.update.update_id }, "telegram update failed");
  });

  async function registerCommands(): Promise<void> {
    try {
      await telegraf.telegram.setMyCommands(REPLY_TEXTS.commandMenu.map((entry) => ({ ...entry })));
    } catch (error) {
      logger.warn({ err: error }, "telegram setMyCommands failed; the command menu may be out of date");
    }
  }

  function logConnectionError(error: unknown): void {
    const described = describeConnectionError(error);
    logger.error({ err: error, code: described.code, hint: described.hint }, described.message);
  }

  /**
   * One run of long polling; launch() settles only when polling ends, so it is not awaited. It is
   * launched once deleteWebhook has answered: launch() makes its poller right after that call
   * (its own onLaunch comes earlier, before the call that can still fail).
   */
  function runPolling(): PollingRun {
    let launched = false;
    let ended = false;
    let stopRequested = false;
    let stopping: Promise<void> | undefined;
    // A stop before the poller exists would stop nothing (or the previous run's poller): it waits
    // for the new one. telegraf keeps the poller private.
    const previousPoller = currentPoller();
    let resolveLaunched!: () => void;
    let rejectLaunched!: (error: unknown) => void;
    const started = new Promise<void>((resolve, reject) => {
      resolveLaunched = resolve;
      rejectLaunched = reject;
    });
    pollingStatus.set("connecting");
    const launching = () => {
      onDeleteWebhookAnswered = undefined;
      launched = true;
      pollingStatus.set("connected");
      resolveLaunched();
      // A stop that came while deleteWebhook was under way stops the poller once it exists.
      if (stopRequested) setImmediate(() => void (ended || currentPoller() === previousPoller || telegraf.stop("adapter stopped")));
    };
    onDeleteWebhookAnswered = launching;
    const finished = telegraf
      .launch({ allowedUpdates: [...ALLOWED_UPDATES] })
      .then(
        () => {
          logger.info("telegram long polling stopped");
          if (!launched) rejectLaunched(new Error("telegram long polling stopped before it started"));
          // Stopped by the turn-taking (another replica took the lock): this one stands by.
          else if (!lifetime.signal.aborted && leader) pollingStatus.set("standby");
        },
        (error: unknown) => {
          logConnectionError(error);
          if (!launched) rejectLaunched(describeConnectionError(error));
          else if (!lifetime.signal.aborted) pollingStatus.set("failed", error);
        },
      )
      .finally(() => {
        ended = true;
        if (onDeleteWebhookAnswered === launching) onDeleteWebhookAnswered = undefined;
      });
    async function stop(): Promise<void> {
      stopRequested = true;
      // A launch stuck on the network gets a few seconds to make its poller; then this stop stops waiting.
      const waitUntil = performance.now() + LAUNCH_WAIT_MS;
      while (launched && !ended && currentPoller() === previousPoller && performance.now() < waitUntil) await sleep(10);
      if (!ended && currentPoller() !== previousPoller) telegraf.stop("adapter stopped");
      else if (!launched && !ended) await Promise.race([finished, sleep(LAUNCH_WAIT_MS)]);
    }
    return {
      launched: started,
      ended: finished,
      stop: () => (stopping ??= stop()),
    };
  }

  /**
   * Without a state store this process is the only poller. With one, polling runs on one replica
   * at a time (polling-leader.ts): start() returns once it polls here or another replica does.
   */
  async function startPolling(): Promise<void> {
    if (!store) {
      const run = runPolling();
      pollingRun = run;
      await run.launched;
      return;
    }
    const current = leadPolling({ locks: store, retryMs: pollingRetryMs, logger, startPolling: runPolling });
    leader = current;
    try {
      await current.ready;
    } catch (error) {
      // The server tries start() again after its backoff; a second leader beside this one would poll twice.
      leader = undefined;
      await current.stop();
      throw error;
    }
    if (!current.polling) pollingStatus.set("standby");
  }

  /** A Bot API call that stop() can cut short; its failure is logged and explained. */
  async function callPlatform<Result>(call: () => Promise<Result>): Promise<Result> {
    if (lifetime.signal.aborted) throw new Error("the telegram adapter was stopped");
    try {
      return await call();
    } catch (error) {
      logConnectionError(error);
      throw describeConnectionError(error);
    }
  }

  return {
    name: "telegram",

    mount: webhookUrl
      ? (app) => {
          mounted = true;
          mountWebhookRoute(app, {
            path: webhookUrl.pathname,
            secret: settings.webhookSecret,
            handleUpdate: async (update) => {
              // Before getMe has answered the bot cannot tell whom a message addresses: Telegram delivers it again shortly.
              if (!telegraf.botInfo) return "busy";
              const outcome = await intake.takeIn(update, { waitForRoom: false });
              if (outcome === "full") return "busy";
              if (outcome === "taken") await telegraf.handleUpdate(update);
              return "accepted";
            },
            logger,
          });
        }
      : undefined,

    async start() {
      // telegraf types the signal as the abort-controller package's; node-fetch takes Node's own alike.
      const signal = lifetime.signal as unknown as TelegrafSignal;
      telegraf.botInfo = await callPlatform(() => telegraf.telegram.callApi("getMe", {}, { signal }));
      await registerCommands();
      // A stop that came meanwhile: polling started now would outlive it.
      if (lifetime.signal.aborted) throw new Error("the telegram adapter was stopped while starting");
      // Deliveries a process before this one acknowledged and did not answer go out first (a start tried again starts it once).
      intake.start();
      if (!webhookUrl) {
        await startPolling();
        logger.info({ username: telegraf.botInfo.username, mode: "polling", pollingHere: leader ? leader.polling : true }, "telegram bot started");
        return;
      }
      if (!mounted) logger.error("telegram webhook mode, but the route was never mounted on the HTTP app; updates will not arrive");
      if (!settings.webhookSecret) logger.warn("TELEGRAM_WEBHOOK_SECRET is not set: anyone who learns the webhook URL can post fake updates");
      await callPlatform(() =>
        telegraf.telegram.callApi(
          "setWebhook",
          { url: webhookUrl.href, secret_token: settings.webhookSecret, allowed_updates: [...ALLOWED_UPDATES] },
          { signal },
        ),
      );
      logger.info({ username: telegraf.botInfo.username, mode: "webhook", path: webhookUrl.pathname }, "telegram bot started");
    },

    async stop() {
      lifetime.abort();
      intake.close();
      await pollingRun?.stop();
      pollingRun = undefined;
      const stopping = leader;
      leader = undefined;
      await stopping?.stop();
      await workQueue.onIdle();
      await sendQueue.onIdle();
      await intake.stop();
      pollingStatus.set("stopped");
    },

    connections(): Record<string, AdapterConnectionStatus> {
      // In webhook mode Telegram calls in; the server's own start state says whether setWebhook went through.
      return webhookUrl ? {} : { "telegram-polling": pollingStatus.current() };
    },
  };
}
