/**
 * The telegram-test-api emulator behind a thin node:http front that closes its gaps (see
 * shared/docs/telegram-notes.md): it answers sendChatAction and setMyCommands, holds idle
 * getUpdates instead of answering in a busy loop, checks sendMessage the way Telegram does (length
 * after entity parsing, HTML, button URLs) and delivers webhooks with the secret-token header.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { TelegramServer, type StoredBotUpdate } from "telegram-test-api/lib/telegramServer.js";
import { isAcceptedButtonUrl, parseTelegramHtml } from "./telegram-html.js";

export const EMULATOR_BOT_ID = 666;
export const EMULATOR_BOT_USERNAME = "TestNameBot";

type ClientOptions = NonNullable<Parameters<TelegramServer["getClient"]>[1]>;

export interface ChatActionCall {
  chat_id: number | string;
  action: string;
  message_thread_id?: number;
}

export interface Emulator {
  server: TelegramServer;
  apiRoot: string;
  token: string;
  /** Chat actions the bot sent, in order. */
  chatActions: ChatActionCall[];
  /** sendMessage calls refused like Telegram would, with the reason. */
  refusedMessages: { body: Record<string, unknown>; description: string }[];
  /** answerCallbackQuery calls the bot made (the emulator itself keeps none). */
  callbackAnswers: { callback_query_id?: unknown; text?: unknown }[];
  /** Webhook deliveries made on the bot's behalf, with the HTTP status the bot answered. */
  webhookDeliveries: { updateId: number; status: number }[];
  /** Every getUpdates call, naming the replica whose API root (`apiRootFor`) it came through. */
  getUpdatesCalls: { via?: string }[];
  /** An API root that tells this replica's calls apart from another's using the same token. */
  apiRootFor(replica: string): string;
  /** The webhook the bot registered with setWebhook, if any. */
  webhook(): { url: string; secret?: string } | undefined;
  /**
   * From now on (after `letThrough` more) sendMessage calls are held unanswered and not stored, as
   * sends still on their way to Telegram; `releaseSends` lets through those whose caller is still connected. A held call
   * whose caller died (a killed process) is dropped: that message never reached Telegram.
   */
  holdSends(letThrough?: number): void;
  releaseSends(): void;
  /** sendMessage calls held right now; with `via`, only those that came through `apiRootFor(via)`. */
  heldSends(via?: string): number;
  /** Held sendMessage calls dropped because their caller went away. */
  droppedSends(): number;
  /** Cuts every held sendMessage call's connection, as if its caller had died mid-send; none is stored. */
  cutHeldSends(): void;
  client(options: Partial<ClientOptions>): ReturnType<TelegramServer["getClient"]>;
  /** Id the emulator gave the user message sent last. */
  lastUserMessageId(): number;
  /** Waits until `count` unread bot messages to `chatId` exist, marks them read and returns them. */
  takeBotMessages(chatId: number, count?: number, timeoutMs?: number): Promise<StoredBotUpdate[]>;
  /** Waits `milliseconds` and returns the unread bot messages to `chatId` (expected: none). */
  botMessagesAfter(chatId: number, milliseconds: number): Promise<StoredBotUpdate[]>;
  stop(): Promise<void>;
}

const userUpdateEvents = ["AddedUserMessage", "AddedUserCommand", "AddedUserCallbackQuery"] as const;

function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    request.on("data", (part: Buffer) => parts.push(part));
    request.on("end", () => {
      const text = Buffer.concat(parts).toString("utf8");
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch (error) {
        reject(error);
      }
    });
    request.on("error", reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
}

function telegramError(response: ServerResponse, status: number, description: string): void {
  sendJson(response, status, { ok: false, error_code: status, description });
}

/** Why Telegram would refuse this sendMessage, or undefined when it would accept it. */
function refusalReason(body: Record<string, unknown>): string | undefined {
  const text = typeof body.text === "string" ? body.text : "";
  let visibleText = text;
  if (body.parse_mode === "HTML") {
    const parsed = parseTelegramHtml(text);
    if (!parsed.ok) return parsed.description;
    visibleText = parsed.visibleText;
  }
  if (visibleText.trim().length === 0) return "Bad Request: message text is empty";
  if (visibleText.length > 4096) return "Bad Request: message is too long";
  const markup = body.reply_markup as { inline_keyboard?: { url?: string }[][] } | undefined;
  for (const row of markup?.inline_keyboard ?? []) {
    for (const button of row) {
      if (button.url !== undefined && !isAcceptedButtonUrl(button.url)) return "Bad Request: BUTTON_URL_INVALID";
    }
  }
  return undefined;
}

/** `port`: listen there (a test that starts the emulator after the bot already dials it); any free port otherwise. */
export async function startEmulator(token = "123456:emulator-token", { port: wantedPort = 0 }: { port?: number } = {}): Promise<Emulator> {
  let server: TelegramServer | undefined;
  let webhook: { url: string; secret?: string } | undefined;
  const chatActions: ChatActionCall[] = [];
  const refusedMessages: Emulator["refusedMessages"] = [];
  const webhookDeliveries: Emulator["webhookDeliveries"] = [];
  const callbackAnswers: Emulator["callbackAnswers"] = [];
  const getUpdatesCalls: Emulator["getUpdatesCalls"] = [];
  const heldRequests = new Set<() => void>();
  /** Held sendMessage calls, each resolved with whether to go on (false: its caller went away). */
  let sendsHeld = false;
  let sendsLetThrough = 0;
  const heldSendCalls = new Map<(release: boolean) => void, { caller: string | undefined; response: ServerResponse }>();
  let droppedSendCount = 0;

  const front = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => telegramError(response, 500, `Internal Server Error: ${String(error)}`));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const emulator = server!;
    const express = (emulator as unknown as { webServer: RequestListener }).webServer;
    // `/via/<replica>/bot<token>/...`: the same Bot API, with the caller named (see apiRootFor).
    const via = /^\/via\/([A-Za-z0-9_-]+)(\/.*)$/.exec(request.url ?? "");
    if (via) request.url = via[2];
    const method = /^\/bot[^/]+\/([A-Za-z]+)/.exec(request.url ?? "")?.[1];

    if (method === "sendChatAction") {
      chatActions.push((await readBody(request)) as unknown as ChatActionCall);
      return sendJson(response, 200, { ok: true, result: true });
    }
    if (method === "answerCallbackQuery") {
      callbackAnswers.push(await readBody(request));
      return sendJson(response, 200, { ok: true, result: true });
    }
    if (method === "setMyCommands") {
      await readBody(request);
      return sendJson(response, 200, { ok: true, result: true });
    }
    if (method === "setWebhook") {
      const body = await readBody(request);
      webhook = { url: String(body.url), secret: typeof body.secret_token === "string" ? body.secret_token : undefined };
      return sendJson(response, 200, { ok: true, result: true });
    }
    if (method === "deleteWebhook") webhook = undefined;
    if (method === "sendMessage") {
      const body = await readBody(request);
      const reason = refusalReason(body);
      if (reason) {
        refusedMessages.push({ body, description: reason });
        return telegramError(response, 400, reason);
      }
      // body-parser skips requests it believes are parsed already, so the buffered body is handed over.
      Object.assign(request, { _body: true, body });
      if (sendsHeld && sendsLetThrough > 0) sendsLetThrough -= 1;
      else if (sendsHeld && !(await sendReleased(response, via?.[1]))) return;
    }
    if (method === "getUpdates") getUpdatesCalls.push({ via: via?.[1] });
    if (method === "getUpdates" && !emulator.storage.userMessages.some((update) => update.botToken === token && !update.isRead)) {
      await waitForUserUpdate(request, 1000);
      if (response.destroyed || request.destroyed) return;
    }
    express(request, response);
  }

  /** Resolves true once sends are released, false (the call dropped) if its caller went away first. */
  function sendReleased(response: ServerResponse, caller: string | undefined): Promise<boolean> {
    return new Promise((resolve) => {
      const settle = (release: boolean) => {
        heldSendCalls.delete(settle);
        response.off("close", callerGone);
        // A caller whose connection is gone, even if its close was not reported yet, sent nothing.
        const goOn = release && !response.destroyed && response.socket?.destroyed !== true;
        if (!goOn) droppedSendCount += 1;
        resolve(goOn);
      };
      const callerGone = () => settle(false);
      response.once("close", callerGone);
      heldSendCalls.set(settle, { caller, response });
    });
  }

  function waitForUserUpdate(request: IncomingMessage, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const event of userUpdateEvents) server!.off(event, done);
        request.off("close", done);
        heldRequests.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      for (const event of userUpdateEvents) server!.on(event, done);
      request.on("close", done);
      heldRequests.add(done);
    });
  }

  /** Telegram pushes each update to the webhook with the secret header; the emulator itself cannot. */
  async function deliverToWebhook(): Promise<void> {
    if (!webhook) return;
    const target = webhook;
    for (const update of server!.getUpdates(token)) {
      const response = await fetch(target.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(target.secret ? { "X-Telegram-Bot-Api-Secret-Token": target.secret } : {}) },
        body: JSON.stringify(update),
      });
      webhookDeliveries.push({ updateId: update.update_id, status: response.status });
    }
  }

  await new Promise<void>((resolve) => front.listen(wantedPort, "127.0.0.1", resolve));
  const port = (front.address() as AddressInfo).port;
  server = new TelegramServer({ host: "127.0.0.1", port });
  const emulator = server;
  for (const event of userUpdateEvents) {
    emulator.on(event, () => {
      // Delivery runs after the client's request has been stored, like Telegram's own push.
      setImmediate(() => void deliverToWebhook().catch(() => undefined));
    });
  }

  function unreadBotMessages(chatId: number): StoredBotUpdate[] {
    return emulator.storage.botMessages.filter((update) => !update.isRead && String(update.message.chat_id) === String(chatId));
  }

  return {
    server: emulator,
    apiRoot: emulator.config.apiURL,
    token,
    chatActions,
    refusedMessages,
    callbackAnswers,
    webhookDeliveries,
    getUpdatesCalls,
    // telegraf resolves `./bot<token>/<method>` against the root, so it must end with a slash.
    apiRootFor: (replica) => `${emulator.config.apiURL}/via/${replica}/`,
    webhook: () => webhook,
    holdSends(letThrough = 0) {
      sendsHeld = true;
      sendsLetThrough = letThrough;
    },
    releaseSends() {
      sendsHeld = false;
      for (const settle of [...heldSendCalls.keys()]) settle(true);
    },
    heldSends: (via) => [...heldSendCalls.values()].filter((held) => via === undefined || held.caller === via).length,
    cutHeldSends() {
      for (const [settle, held] of [...heldSendCalls]) {
        held.response.socket?.destroy();
        settle(false);
      }
    },
    droppedSends: () => droppedSendCount,
    client: (options) => emulator.getClient(token, options),
    lastUserMessageId() {
      const updates = emulator.storage.userMessages;
      if (updates.length === 0) throw new Error("no user message was sent");
      return updates[updates.length - 1].messageId;
    },
    async takeBotMessages(chatId, count = 1, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (unreadBotMessages(chatId).length < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `expected ${count} bot message(s) to chat ${chatId}, got ${unreadBotMessages(chatId).length}; refused: ${JSON.stringify(refusedMessages.map((item) => item.description))}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const messages = unreadBotMessages(chatId).slice(0, count);
      for (const message of messages) message.isRead = true;
      return messages;
    },
    async botMessagesAfter(chatId, milliseconds) {
      await new Promise((resolve) => setTimeout(resolve, milliseconds));
      return unreadBotMessages(chatId);
    },
    async stop() {
      for (const release of [...heldRequests]) release();
      for (const settle of [...heldSendCalls.keys()]) settle(false);
      front.closeAllConnections();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
