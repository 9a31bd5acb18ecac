/**
 * Wires telegraf to the knowledge bot. Update handlers only decide what a message wants and queue
 * the work: telegraf handles a polling batch with Promise.all and fetches the next batch only when
 * every handler has returned, so one slow answer awaited here would stall every other chat.
 */
import PQueue from "p-queue";
import { Telegraf } from "telegraf";
import { message } from "telegraf/filters";
import { KnowledgeBotError } from "../../src/core/errors.js";
import { maskPersonalData } from "../../src/text/mask-personal-data.js";
import type { Answer } from "../../src/core/types.js";
import type { ChatAdapter, ChatAdapterContext } from "../../src/core/chat-adapter.js";
import { createAdminCommands } from "./admin-commands.js";
import { renderHelpText, replyTexts } from "./bot-texts.js";
import { escapeHtml } from "./escape-html.js";
import { renderAnswer } from "./render-reply.js";
import { createRecentUpdates } from "./recent-updates.js";
import { createReplySender } from "./reply-sender.js";
import { createSendQueue, isDroppedForFloodControl, type SendQueueOptions } from "./send-queue.js";
import { splitMessage } from "./split-message.js";
import { describeConnectionError } from "./telegram-errors.js";
import { interpretMessage, isPrivateChat, toQuery, type BotCommandName, type BotIdentity, type IncomingTextMessage } from "./to-query.js";
import { mountWebhookRoute } from "./webhook-route.js";

/** Tuning knobs; production uses the defaults, tests shorten the waits. */
export interface TelegramAdapterOptions {
  /** The `retry_after` cap always comes from config (TELEGRAM_MAX_RETRY_AFTER_SECONDS). */
  sendQueue?: Omit<SendQueueOptions, "onRetry" | "onDrop" | "maxRetryAfterSeconds">;
  /** Knowledge-base questions answered at the same time across all chats. */
  answerConcurrency?: number;
  typingIntervalMs?: number;
}

export function createTelegramAdapter(context: ChatAdapterContext, options: TelegramAdapterOptions = {}): ChatAdapter {
  const settings = context.config.telegram;
  if (!settings) {
    throw new KnowledgeBotError(
      "CONFIG_INVALID",
      "The Telegram adapter was created without a bot token.",
      "Set TELEGRAM_BOT_TOKEN (BotFather's /newbot prints it), or do not start the Telegram adapter.",
    );
  }
  const { bot: knowledgeBot, config } = context;
  const logger = context.logger.child({ adapter: "telegram" });
  const webhookUrl = settings.webhookUrl ? new URL(settings.webhookUrl) : undefined;

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
  const recentUpdates = createRecentUpdates();
  const workQueue = new PQueue({ concurrency: options.answerConcurrency ?? 8 });
  const adminCommands = createAdminCommands(knowledgeBot, settings.adminIds);
  const replies = createReplySender({ telegram: telegraf.telegram, sendQueue, logger, typingIntervalMs: options.typingIntervalMs });
  let polling = false;
  let mounted = false;

  function identity(): BotIdentity {
    const botInfo = telegraf.botInfo;
    if (!botInfo) throw new Error("telegram bot identity requested before getMe");
    return { id: botInfo.id, username: botInfo.username };
  }

  /** Queues work for a message; failures are logged with the chat id and never reach telegraf. */
  function schedule(incoming: IncomingTextMessage, task: () => Promise<void>): void {
    void workQueue.add(async () => {
      try {
        await task();
      } catch (error) {
        if (isDroppedForFloodControl(error)) return; // already logged as a warning by the send queue
        logger.error({ err: error, chatId: incoming.chat.id }, "telegram reply failed");
      }
    });
  }

  async function answerQuestion(incoming: IncomingTextMessage, questionText: string): Promise<void> {
    if (questionText === "") return replies.send(incoming, [escapeHtml(replyTexts.emptyQuestion)]);
    if (questionText.length > config.maxQuestionChars) return replies.send(incoming, [escapeHtml(replyTexts.tooLong(config.maxQuestionChars))]);
    const startedAt = performance.now();
    let answered: { answer: Answer; messages: number };
    try {
      answered = await replies.withTyping(incoming, async () => {
        const answer = await knowledgeBot.answer(toQuery(questionText, incoming));
        const reply = renderAnswer(answer);
        const chunks = splitMessage(reply.html);
        await replies.send(incoming, chunks, reply.keyboard);
        return { answer, messages: chunks.length };
      });
    } catch (error) {
      // Telegram asked this chat to wait far too long; a "something failed" reply would meet the same wait.
      if (isDroppedForFloodControl(error)) return;
      logger.error({ err: error, chatId: incoming.chat.id, question: maskPersonalData(questionText) }, "telegram question failed");
      await replies
        .send(incoming, [escapeHtml(replyTexts.failed)])
        .catch((sendError: unknown) => logger.error({ err: sendError, chatId: incoming.chat.id }, "telegram send failed"));
      return;
    }
    logger.info(
      {
        chatId: incoming.chat.id,
        chatType: incoming.chat.type,
        question: maskPersonalData(questionText),
        durationMs: Math.round(performance.now() - startedAt),
        citations: answered.answer.citations.length,
        noAnswer: answered.answer.noAnswer,
        disclaimer: answered.answer.disclaimer,
        messages: answered.messages,
      },
      "telegram question answered",
    );
  }

  async function runCommand(incoming: IncomingTextMessage, command: BotCommandName): Promise<void> {
    if (command === "start" || command === "help") {
      let sourceCount: number | undefined;
      try {
        sourceCount = knowledgeBot.stats().sources;
      } catch {
        // No index yet: the help text simply leaves the count out.
      }
      const help = renderHelpText({
        botUsername: identity().username,
        sourceCount,
        exampleQuestions: knowledgeBot.exampleQuestions(3),
        privateChat: isPrivateChat(incoming),
      });
      return replies.send(incoming, splitMessage(help));
    }
    if (!adminCommands.isAdmin(incoming.from?.id)) return replies.send(incoming, [escapeHtml(replyTexts.notAdmin)]);
    if (command === "stats") return replies.send(incoming, [adminCommands.stats()]);
    await replies.send(incoming, [escapeHtml(replyTexts.reindexStarted)]);
    const report = await replies.withTyping(incoming, () => adminCommands.reindex());
    logger.info({ chatId: incoming.chat.id, userId: incoming.from?.id }, "telegram admin re-index finished");
    return replies.send(incoming, splitMessage(report));
  }

  // First middleware, for polling and webhook alike: a re-delivered update is dropped before any work.
  telegraf.use((telegrafContext, next) => {
    const updateId = telegrafContext.update.update_id;
    if (recentUpdates.seen(updateId)) {
      logger.debug({ updateId, chatId: telegrafContext.chat?.id }, "telegram update delivered again; already handled, dropped");
      return;
    }
    return next();
  });

  telegraf.on(message("text"), (telegrafContext) => {
    const incoming = telegrafContext.message;
    const intent = interpretMessage(incoming, identity());
    if (intent.kind === "question") schedule(incoming, () => answerQuestion(incoming, intent.text));
    else if (intent.kind === "command") schedule(incoming, () => runCommand(incoming, intent.command));
  });

  telegraf.catch((error, telegrafContext) => {
    logger.error({ err: error, chatId: telegrafContext.chat?.id, updateId: telegrafContext.update.update_id }, "telegram update failed");
  });

  async function registerCommands(): Promise<void> {
    try {
      await telegraf.telegram.setMyCommands([
        { command: "ask", description: "提问，例如 /ask 亲情账户是什么" },
        { command: "help", description: "我能回答什么" },
      ]);
    } catch (error) {
      logger.warn({ err: error }, "telegram setMyCommands failed; the command menu may be out of date");
    }
  }

  function logConnectionError(error: unknown): void {
    const described = describeConnectionError(error);
    logger.error({ err: error, code: described.code, hint: described.hint }, described.message);
  }

  function startPolling(): Promise<void> {
    return new Promise((resolve, reject) => {
      let launched = false;
      polling = true;
      // launch() settles only when polling ends, so it is not awaited; onLaunch signals readiness.
      telegraf
        .launch({ allowedUpdates: ["message"] }, () => {
          launched = true;
          resolve();
        })
        .then(
          () => logger.info("telegram long polling stopped"),
          (error: unknown) => {
            polling = false;
            logConnectionError(error);
            if (!launched) reject(error);
          },
        );
    });
  }

  return {
    name: "telegram",

    mount: webhookUrl
      ? (app) => {
          mounted = true;
          mountWebhookRoute(app, {
            path: webhookUrl.pathname,
            secret: settings.webhookSecret,
            handleUpdate: (update) => telegraf.handleUpdate(update),
            logger,
          });
        }
      : undefined,

    async start() {
      try {
        telegraf.botInfo = await telegraf.telegram.getMe();
      } catch (error) {
        logConnectionError(error);
        throw error;
      }
      await registerCommands();
      if (!webhookUrl) {
        await startPolling();
        logger.info({ username: telegraf.botInfo.username, mode: "polling" }, "telegram bot started");
        return;
      }
      if (!mounted) logger.error("telegram webhook mode, but the route was never mounted on the HTTP app; updates will not arrive");
      if (!settings.webhookSecret) logger.warn("TELEGRAM_WEBHOOK_SECRET is not set: anyone who learns the webhook URL can post fake updates");
      try {
        await telegraf.telegram.setWebhook(webhookUrl.href, { secret_token: settings.webhookSecret, allowed_updates: ["message"] });
      } catch (error) {
        logConnectionError(error);
        throw error;
      }
      logger.info({ username: telegraf.botInfo.username, mode: "webhook", path: webhookUrl.pathname }, "telegram bot started");
    },

    async stop() {
      if (polling) {
        polling = false;
        telegraf.stop("adapter stopped");
      }
      await workQueue.onIdle();
      await sendQueue.onIdle();
    },
  };
}
