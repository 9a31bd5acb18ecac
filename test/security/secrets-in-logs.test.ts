/**
 * No secret and no raw personal number reaches a log line. The bot runs end to end the way
 * src/main.ts wires it (real index, HTTP server on 127.0.0.1, the Telegram and WeCom adapters),
 * configured with recognisable secrets, while every outside party misbehaves: Telegram refuses
 * setWebhook and a send, WeCom refuses gettoken, message/send and the group webhook, the
 * embeddings server answers 401 and quotes the key, the chat model refuses and quotes its key.
 * Admin calls come with wrong and right tokens, and questions carry phone, ID and card numbers.
 * Every captured line is then searched for each secret and each number.
 *
 * The scenario's logger gets no list of secret values, so the structural layers (redact paths,
 * the error serializer, the shape-based scrubbing) must hold on their own; scrubbing by value is
 * checked separately below.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramAdapter } from "../../adapters/telegram/index.js";
import { createWecomAdapter } from "../../adapters/wecom/index.js";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { appCallbackBody, appTextMessageXml, sealCallback } from "../../adapters/wecom/testing/signed-callbacks.js";
import { createChatCompletionsClient } from "../../src/answer/chat-completions-client.js";
import { createGenerativeRewriter } from "../../src/answer/generative-rewriter.js";
import { LocalKnowledgeBot } from "../../src/bot/local-knowledge-bot.js";
import { type AppConfig, loadConfig } from "../../src/config.js";
import { configuredSecrets } from "../../src/configured-secrets.js";
import * as loggerModule from "../../src/core/logger.js";
import { type BotServer, createServer } from "../../src/server/create-server.js";
import { startFakeBotApi, type FakeBotApi } from "../telegram/support/fake-bot-api.js";
import { startLocalChatModel, type LocalChatModel } from "../server/support/local-chat-model.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

const SECRETS = {
  TELEGRAM_BOT_TOKEN: "123456:LEAKCHECKbotToken_abcdefghijklmnopqrstu",
  TELEGRAM_WEBHOOK_SECRET: "LEAKCHECKwebhookSecret123",
  ADMIN_TOKEN: "LEAKCHECKadminToken0123456789",
  WECOM_TOKEN: "LEAKCHECKwecomAppToken",
  WECOM_ENCODING_AES_KEY: "LEAKCHECKappAesKey0123456789abcdefghijklmno",
  WECOM_SECRET: "LEAKCHECKcorpSecret-0123456789",
  WECOM_BOT_TOKEN: "LEAKCHECKwecomBotToken",
  WECOM_BOT_ENCODING_AES_KEY: "LEAKCHECKbotAesKey0123456789ABCDEFGHIJKLMNO",
  WECOM_WEBHOOK_KEY: "LEAKCHECKwebhookKey-0001",
  EMBEDDINGS_API_KEY: "sk-LEAKCHECKembeddingsKey0123",
  CHAT_MODEL_API_KEY: "sk-LEAKCHECKchatModelKey0123",
};

/** Personal data as people type it; none of these may appear in a log line. */
const PERSONAL = {
  mobileGrouped: "138-1234-5678",
  mobileInternational: "+86 139 8765 4321",
  mobileFullWidth: "１５０１２３４５６７８",
  residentId: "11010519491231002X",
  residentIdSpaced: "110105 19491231 002X",
  bankCard: "6222 0212 3456 7890 123",
  landline: "010-87654321",
};
/** The digits of each, as a contiguous run (a leak after separators were dropped would show these). */
const PERSONAL_DIGITS = ["13812345678", "13987654321", "15012345678", "11010519491231002", "6222021234567890123", "87654321"];

const CORP_ID = "ww0123456789abcdef";
const AGENT_ID = "1000002";
const WEBHOOK_PATH = "/telegram/webhook";
const QUESTION = "亲情账户和家庭共济账户有什么区别";

const rawLines: string[] = [];

/** An OpenAI-compatible embeddings server: deterministic vectors, or a refusal that quotes the key. */
interface EmbeddingsServer {
  baseUrl: string;
  mode: "ok" | "unauthorized" | "bad-request";
  authorizations: string[];
  close(): Promise<void>;
}

function vectorFor(text: string): number[] {
  const vector = new Array<number>(16).fill(0);
  for (const character of text) vector[character.codePointAt(0)! % 16] += 1;
  const length = Math.hypot(...vector) || 1;
  return vector.map((value) => value / length);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = "";
  for await (const chunk of request) text += chunk;
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function startEmbeddingsServer(): Promise<EmbeddingsServer> {
  const state: EmbeddingsServer = { baseUrl: "", mode: "ok", authorizations: [], close: async () => undefined };
  const server = createHttpServer((request, response) => {
    void readJson(request).then((body) => {
      state.authorizations.push(String(request.headers.authorization));
      const json = (status: number, payload: unknown) => response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
      if (state.mode === "unauthorized") return json(401, { error: { message: `Incorrect API key provided: ${SECRETS.EMBEDDINGS_API_KEY}` } });
      if (state.mode === "bad-request") return json(400, { error: { message: `model not allowed for key ${SECRETS.EMBEDDINGS_API_KEY}` } });
      const input = body.input as string[];
      return json(200, { data: input.map((text, index) => ({ index, embedding: vectorFor(text) })) });
    });
  });
  state.baseUrl = `${await listen(server)}/v1`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}

/** In front of the fake WeCom API: passes everything through, or answers gettoken with an error. */
interface WecomFront {
  baseUrl: string;
  failGettoken: boolean;
  close(): Promise<void>;
}

async function startWecomFront(target: FakeWecomApi): Promise<WecomFront> {
  const state: WecomFront = { baseUrl: "", failGettoken: false, close: async () => undefined };
  const forward = async (request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    if (state.failGettoken && request.url?.startsWith("/cgi-bin/gettoken")) {
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ errcode: 40001, errmsg: "invalid credential, hint: [1700000000_00_abc]" }));
      return;
    }
    const answer = await fetch(`${target.baseUrl}${request.url}`, {
      method: request.method,
      headers: { "content-type": "application/json" },
      body: body || undefined,
    });
    response.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  };
  const server = createHttpServer((request, response) => void forward(request, response).catch(() => response.writeHead(502).end()));
  state.baseUrl = await listen(server);
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

async function waitFor<T>(find: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log so far:\n${rawLines.join("")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function parsedLines(): Record<string, unknown>[] {
  return rawLines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function waitForLog(message: string | RegExp, extra: (line: Record<string, unknown>) => boolean = () => true) {
  return waitFor(
    () => parsedLines().find((line) => (typeof message === "string" ? line.msg === message : message.test(String(line.msg))) && extra(line)),
    `log "${message}"`,
  );
}

let scratch: string;
let embeddings: EmbeddingsServer;
let chatModel: LocalChatModel;
let telegramApi: FakeBotApi;
let wecomApi: FakeWecomApi;
let wecomFront: WecomFront;
let bot: LocalKnowledgeBot;
let server: BotServer;
let config: AppConfig;
let baseUrl: string;
let messageCounter = 0;

function environment(): Record<string, string> {
  return {
    KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR,
    INDEX_DIR: path.join(scratch, "index"),
    PUBLIC_BASE_URL: "https://kb.example.org",
    LOG_LEVEL: "debug",
    EMBEDDER: "openai",
    EMBEDDINGS_BASE_URL: embeddings.baseUrl,
    EMBEDDINGS_MODEL: "leak-check-embedder",
    ANSWER_MODE: "generative",
    CHAT_MODEL_BASE_URL: chatModel.baseUrl,
    CHAT_MODEL_NAME: "leak-check-chat",
    CHAT_MODEL_TIMEOUT_MS: "5000",
    TELEGRAM_API_ROOT: telegramApi.apiRoot,
    TELEGRAM_WEBHOOK_URL: `https://kb.example.org${WEBHOOK_PATH}`,
    WECOM_CORP_ID: CORP_ID,
    WECOM_AGENT_ID: AGENT_ID,
    WECOM_API_BASE: wecomFront.baseUrl,
    ...SECRETS,
  };
}

async function askWeb(question: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question }) });
  await response.text();
  return response.status;
}

async function telegramUpdate(text: string, secret: string | undefined): Promise<number> {
  messageCounter += 1;
  const update = {
    update_id: 5000 + messageCounter,
    message: {
      message_id: messageCounter,
      date: Math.floor(Date.now() / 1000),
      chat: { id: 4242, type: "private" },
      from: { id: 4242, is_bot: false, first_name: "Li" },
      text,
    },
  };
  const response = await fetch(`${baseUrl}${WEBHOOK_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(secret ? { "X-Telegram-Bot-Api-Secret-Token": secret } : {}) },
    body: JSON.stringify(update),
  });
  await response.text();
  return response.status;
}

async function wecomAppText(content: string): Promise<number> {
  messageCounter += 1;
  const plaintext = appTextMessageXml({
    corpId: CORP_ID,
    userId: "zhangsan",
    content,
    msgId: String(9_007_199_254_740_993n + BigInt(messageCounter)),
    agentId: AGENT_ID,
  });
  const sealed = sealCallback({ token: SECRETS.WECOM_TOKEN, encodingAesKey: SECRETS.WECOM_ENCODING_AES_KEY, receiveId: CORP_ID }, plaintext);
  const response = await fetch(`${baseUrl}/wecom/app?${sealed.query}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: appCallbackBody(CORP_ID, AGENT_ID, sealed.encrypt),
  });
  await response.text();
  return response.status;
}

async function reindex(token: string): Promise<number> {
  const response = await fetch(`${baseUrl}/api/reindex`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{}",
  });
  await response.text();
  return response.status;
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "kb-secrets-in-logs-"));
  embeddings = await startEmbeddingsServer();
  chatModel = await startLocalChatModel();
  telegramApi = await startFakeBotApi();
  // The group webhook is set up with another key, so every notice is refused (errcode 93000).
  wecomApi = await startFakeWecomApi({ corpId: CORP_ID, secret: SECRETS.WECOM_SECRET, webhookKey: "another-groups-key" });
  wecomFront = await startWecomFront(wecomApi);

  config = loadConfig(environment());
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      rawLines.push(String(chunk));
      callback();
    },
  });
  // As src/main.ts builds it, minus the values list (see the file comment).
  const logger = loggerModule.createLogger("debug", destination);
  const rewriteAnswer = createGenerativeRewriter(createChatCompletionsClient(config.chatModel!), logger.child({ component: "generative" }));
  bot = await LocalKnowledgeBot.open(
    {
      knowledgeDir: config.knowledgeDir,
      indexDir: config.indexDir,
      embedder: config.embedder,
      limits: config.limits,
      publicBaseUrl: config.publicBaseUrl,
      logger,
      rewriteAnswer,
    },
    { buildIfMissing: true },
  );
  const context = { bot, config, logger };
  server = createServer({
    bot,
    config,
    logger,
    indexPollMs: 0,
    adapters: [createTelegramAdapter(context, { sendQueue: { perChatIntervalMs: 10 } }), createWecomAdapter(context)],
  });
  // Telegram refuses the webhook: the adapter's start fails and is logged, the rest keeps serving.
  telegramApi.failNext("setWebhook", { error_code: 400, description: "Bad Request: bad webhook: Failed to resolve host" });
  baseUrl = `http://127.0.0.1:${(await server.start({ host: "127.0.0.1", port: 0 })).port}`;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await Promise.all([embeddings?.close(), chatModel?.close(), telegramApi?.stop(), wecomFront?.close(), wecomApi?.close()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe("secrets and personal data in logs", () => {
  it("keeps every secret and every raw number out of all log lines while every outside party fails", { timeout: 120_000 }, async () => {
    // Telegram: setWebhook refused at start (it carried secret_token in its payload).
    await waitForLog(/Telegram request failed|Telegram rejected/);
    expect(telegramApi.calls.find((call) => call.method === "setWebhook")?.body.secret_token).toBe(SECRETS.TELEGRAM_WEBHOOK_SECRET);

    // Chat model refuses and quotes its key; answers fall back to retrieval-only.
    chatModel.reply = () => ({ status: 401, rawBody: JSON.stringify({ error: { message: `Incorrect API key provided: ${SECRETS.CHAT_MODEL_API_KEY}` } }) });
    expect(await askWeb(`我的手机号${PERSONAL.mobileGrouped}，身份证${PERSONAL.residentId}，${QUESTION}`)).toBe(200);
    await waitForLog("chat model failed; sending the retrieval-only answer");
    expect(chatModel.requests.at(-1)?.headers.authorization).toBe(`Bearer ${SECRETS.CHAT_MODEL_API_KEY}`);

    // Telegram webhook deliveries: the right secret (questions with personal data), a wrong one, none.
    expect(await telegramUpdate(`${QUESTION}？我的电话${PERSONAL.mobileInternational}`, SECRETS.TELEGRAM_WEBHOOK_SECRET)).toBe(200);
    await waitForLog("telegram question answered");
    telegramApi.failNext("sendMessage", { error_code: 400, description: "Bad Request: chat not found" }, 3);
    expect(await telegramUpdate(`卡号${PERSONAL.bankCard}，${QUESTION}`, SECRETS.TELEGRAM_WEBHOOK_SECRET)).toBe(200);
    await waitForLog(/telegram (reply|send) failed/);
    expect(await telegramUpdate("wrong secret", "not-the-secret")).toBe(403);
    expect(await telegramUpdate("no secret", undefined)).toBe(403);

    // WeCom: gettoken refused, then message/send refused (expired tokens), then a good reply.
    wecomFront.failGettoken = true;
    expect(await wecomAppText(`身份证 ${PERSONAL.residentIdSpaced}，${QUESTION}`)).toBe(200);
    await waitForLog("wecom: reply failed", (line) => String((line.err as { message?: string })?.message).includes("gettoken"));
    wecomFront.failGettoken = false;
    wecomApi.expireEveryToken(true);
    expect(await wecomAppText(`座机${PERSONAL.landline}，${QUESTION}`)).toBe(200);
    await waitForLog("wecom: reply failed", (line) => String((line.err as { message?: string })?.message).includes("message/send"));
    wecomApi.expireEveryToken(false);
    expect(await wecomAppText(`手机${PERSONAL.mobileFullWidth}，${QUESTION}`)).toBe(200);
    await wecomApi.waitFor(() => wecomApi.sentMessages.length > 0);
    expect(wecomApi.tokenRequests.some((call) => call.query.corpsecret === SECRETS.WECOM_SECRET)).toBe(true);

    // Admin: a wrong token, then the right one; the re-index notice to the group webhook is refused.
    expect(await reindex("LEAKCHECK-wrong-admin-token-000")).toBe(401);
    expect(await reindex(SECRETS.ADMIN_TOKEN)).toBe(200);
    await waitForLog("wecom: webhook notice failed");
    expect(wecomApi.webhookPosts).toHaveLength(0);

    // Embeddings server: 401, then a 400 that quotes the key.
    embeddings.mode = "unauthorized";
    expect(await askWeb(`${QUESTION} 邮箱 li.si@example.com`)).toBe(500);
    await waitForLog("request handler failed", (line) => (line.err as { code?: string })?.code === "EMBEDDER_AUTH");
    embeddings.mode = "bad-request";
    expect(await askWeb("医保个人账户可以给家人用吗")).toBe(500);
    await waitForLog("request handler failed", (line) => (line.err as { code?: string })?.code === "EMBEDDER_REQUEST");
    expect(embeddings.authorizations.at(-1)).toBe(`Bearer ${SECRETS.EMBEDDINGS_API_KEY}`);
    embeddings.mode = "ok";

    await server.close();
    const log = rawLines.join("");
    expect(rawLines.length).toBeGreaterThan(10);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(log.includes(secret), `${name} appears in the log`).toBe(false);
    }
    expect(log.includes(SECRETS.TELEGRAM_BOT_TOKEN.split(":")[1]), "the bot token's secret part appears in the log").toBe(false);
    expect(log.includes("LEAKCHECK"), `a LEAKCHECK value appears in:\n${rawLines.filter((line) => line.includes("LEAKCHECK")).join("")}`).toBe(false);
    for (const [name, value] of Object.entries(PERSONAL)) {
      expect(log.includes(value), `${name} (${value}) appears in the log`).toBe(false);
    }
    for (const digits of PERSONAL_DIGITS) expect(log.includes(digits), `${digits} appears in the log`).toBe(false);
    expect(log.includes("li.si@example.com")).toBe(false);
    // The failures are still explained: what failed, its code and hint.
    const webhookFailure = parsedLines().find((line) => line.adapter === "telegram" && (line.err as { method?: string })?.method === "setWebhook");
    expect(webhookFailure?.err).toMatchObject({ message: expect.stringContaining("bad webhook"), method: "setWebhook", code: 400 });
    expect(parsedLines().find((line) => line.msg === "adapter failed to start; trying again after the backoff, the rest keeps serving")).toMatchObject({
      adapter: "telegram",
      err: { code: "TELEGRAM_WEBHOOK_REFUSED" },
    });
    const questionLine = parsedLines().find((line) => line.msg === "telegram question answered");
    expect(questionLine?.question).toContain("[phone]");
  });
});

describe("scrubbing by value and by shape", () => {
  function capture(options?: Parameters<typeof loggerModule.createLogger>[2]) {
    const lines: string[] = [];
    const logger = loggerModule.createLogger("info", { write: (line: string) => void lines.push(line) }, options);
    return { logger, lines };
  }

  it("replaces every configured secret wherever it appears, in fields, messages and nested errors", () => {
    const secrets = configuredSecrets(
      loadConfig({
        ...SECRETS,
        WECOM_CORP_ID: CORP_ID,
        WECOM_AGENT_ID: AGENT_ID,
        EMBEDDINGS_BASE_URL: "http://127.0.0.1:1/v1",
        CHAT_MODEL_BASE_URL: "http://127.0.0.1:1/v1",
        CHAT_MODEL_NAME: "m",
      }),
    );
    expect(secrets).toEqual(expect.arrayContaining(Object.values(SECRETS)));
    const { logger, lines } = capture({ secrets });
    for (const [name, secret] of Object.entries(SECRETS)) {
      logger.warn(
        { note: `value of ${name} is ${secret}`, nested: { deeper: { text: secret } }, err: new Error(`failed with ${secret}`, { cause: new Error(secret) }) },
        `message quoting ${secret}`,
      );
    }
    expect(lines).toHaveLength(Object.keys(SECRETS).length);
    expect(lines.join("")).not.toContain("LEAKCHECK");
    expect(lines[0]).toContain("[redacted]");
  });

  it("scrubs Bot API tokens, credential query parameters and bearer tokens without a values list", () => {
    const { logger, lines } = capture();
    logger.error(
      {
        url: "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=abcSECRETdef",
        hook: "/cgi-bin/webhook/send?key=abcKEYdef&debug=1",
        header: "Bearer abcBEARERdef",
      },
      "request to https://api.telegram.org/bot987654:AAabcTOKENdefghijklmnopqrstuvwxyz/getMe failed (token 987654:AAabcTOKENdefghijklmnopqrstuvwxyz)",
    );
    logger.info(
      {
        headers: { authorization: "Basic abcAUTHdef" },
        config: { headers: { "x-api-key": "abcAPIKEYdef" } },
        apiKey: "abcAPIdef",
        payload: { secret_token: "abcPAYLOADdef" },
      },
      "fields",
    );
    const log = lines.join("");
    for (const hidden of ["SECRET", "KEYdef", "BEARER", "TOKEN", "AUTH", "APIKEY", "APIdef", "PAYLOAD"]) expect(log).not.toContain(hidden);
    expect(log).toContain("corpid=ww1");
    expect(log).toContain("debug=1");
  });

  it("keeps an error's message, code and description but not what the client attached", () => {
    const { logger, lines } = capture();
    const telegramError = Object.assign(new Error("400: Bad Request: bad webhook"), {
      response: { ok: false, error_code: 400, description: "Bad Request: bad webhook" },
      on: { method: "setWebhook", payload: { url: "https://kb.example.org/hook", secret_token: "abcWEBHOOKdef" } },
      code: 400,
      description: "Bad Request: bad webhook",
    });
    const httpError = Object.assign(new Error("Request failed with status code 401"), {
      code: "ERR_BAD_REQUEST",
      config: { headers: { Authorization: "Bearer abcCONFIGdef" }, data: '{"question":"13812345678"}' },
      request: { path: "/v1/embeddings?api_key=abcQUERYdef" },
      response: { status: 401, data: { error: "abcDATAdef" } },
    });
    logger.error({ err: telegramError }, "telegram");
    logger.error({ err: httpError }, "http");
    const [telegramLine, httpLine] = lines.map((line) => JSON.parse(line) as { err: Record<string, unknown> });
    expect(telegramLine.err).toMatchObject({
      message: "400: Bad Request: bad webhook",
      code: 400,
      description: "Bad Request: bad webhook",
      method: "setWebhook",
    });
    expect(httpLine.err).toMatchObject({ message: "Request failed with status code 401", code: "ERR_BAD_REQUEST" });
    const log = lines.join("");
    for (const hidden of ["WEBHOOK", "CONFIG", "QUERY", "DATA", "13812345678"]) expect(log).not.toContain(hidden);
  });
});
