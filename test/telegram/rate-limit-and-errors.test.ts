/**
 * Failures only a scripted Bot API can produce: a 429 with retry_after, a 409 polling conflict and
 * a send Telegram refuses. Runs the real adapter against the small fake Bot API on node:http.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Answer } from "../../src/core/types.js";
import { createAdapterHarness, type AdapterHarness } from "./support/adapter-harness.js";
import { startFakeBotApi, type FakeBotApi } from "./support/fake-bot-api.js";
import { createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { waitFor } from "./support/wait-for.js";

const shortAnswer: Answer = {
  text: "家庭共济账户可以给近亲属使用。[1]",
  paragraphs: [{ text: "家庭共济账户可以给近亲属使用。", citations: [1] }],
  passages: [],
  citations: [{ n: 1, sourceId: "a.md", title: "家庭共济", url: "https://kb.example.org/kb/a.md" }],
  disclaimer: false,
  related: [],
  noAnswer: false,
};

let api: FakeBotApi | undefined;
let harness: AdapterHarness | undefined;

afterEach(async () => {
  await harness?.adapter.stop();
  await api?.stop();
  harness = undefined;
  api = undefined;
});

async function startAgainstFake(): Promise<{ api: FakeBotApi; harness: AdapterHarness }> {
  api = await startFakeBotApi();
  harness = createAdapterHarness({ bot: createScriptedKnowledgeBot(() => shortAnswer), apiRoot: api.apiRoot, token: "42:fake" });
  return { api, harness };
}

function privateMessage(chatId: number, text: string) {
  return {
    message: {
      message_id: 10,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private" },
      from: { id: chatId, is_bot: false, first_name: "Zhao" },
      text,
    },
  };
}

describe("sending under flood control", () => {
  it("waits retry_after after a 429 and sends the reply again", async () => {
    const { api, harness } = await startAgainstFake();
    api.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
    await harness.adapter.start();
    api.pushUpdate(privateMessage(401, "家庭共济账户"));

    const sends = await waitFor(() => {
      const calls = api.calls.filter((call) => call.method === "sendMessage");
      return calls.length >= 2 ? calls : undefined;
    });
    expect(sends[1].body).toEqual(sends[0].body);
    expect(sends[1].at - sends[0].at).toBeGreaterThanOrEqual(950);
    await waitFor(() => harness.logs.find((log) => log.msg === "telegram question answered"));
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: "warn", chatId: 401, retryAfterSeconds: 1 }));
  });
});

describe("errors", () => {
  it("logs a failed send with the chat id and keeps answering", async () => {
    const { api, harness } = await startAgainstFake();
    api.failNext("sendMessage", { error_code: 400, description: "Bad Request: chat not found" }, 2);
    await harness.adapter.start();
    api.pushUpdate(privateMessage(402, "家庭共济账户"));
    const failure = await waitFor(() => harness.logs.find((log) => log.level === "error" && log.chatId === 402));
    expect(JSON.stringify(failure)).toContain("chat not found");

    api.pushUpdate(privateMessage(403, "家庭共济账户"));
    await waitFor(() => harness.logs.find((log) => log.msg === "telegram question answered" && log.chatId === 403));
  });

  it("resends as plain text if Telegram ever refuses the HTML", async () => {
    const { api, harness } = await startAgainstFake();
    api.failNext("sendMessage", { error_code: 400, description: 'Bad Request: can\'t parse entities: Unsupported start tag "x" at byte offset 3' });
    await harness.adapter.start();
    api.pushUpdate(privateMessage(404, "家庭共济账户"));
    await waitFor(() => harness.logs.find((log) => log.msg === "telegram question answered" && log.chatId === 404));
    const [refused, plain] = api.calls.filter((call) => call.method === "sendMessage");
    expect(refused.body.parse_mode).toBe("HTML");
    expect(plain.body.parse_mode).toBeUndefined();
    expect(plain.body.text).toBe("家庭共济账户可以给近亲属使用。[1]\n\n来源\n[1] 家庭共济");
    expect(plain.body.reply_parameters).toEqual(refused.body.reply_parameters);
  });

  it("reports a 409 polling conflict with what to do", async () => {
    const { api, harness } = await startAgainstFake();
    api.failNext("getUpdates", {
      error_code: 409,
      description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    });
    await harness.adapter.start();
    const line = await waitFor(() => harness.logs.find((log) => log.code === "TELEGRAM_POLLING_CONFLICT"));
    expect(line.level).toBe("error");
    expect(String(line.hint)).toMatch(/Another process is polling with the same TELEGRAM_BOT_TOKEN/);
  });

  it("fails start() when long polling cannot start (deleteWebhook fails after getMe answered); a later start() polls", async () => {
    const { api, harness } = await startAgainstFake();
    api.failNext("deleteWebhook", { error_code: 502, description: "Bad Gateway" });
    await expect(harness.adapter.start()).rejects.toMatchObject({ code: "TELEGRAM_UNREACHABLE" });
    expect(harness.adapter.connections?.()["telegram-polling"]).toMatchObject({ state: "connecting", degraded: true });
    expect(api.calls.some((call) => call.method === "getUpdates")).toBe(false);

    // The server's next try: polling starts and messages are answered.
    await harness.adapter.start();
    expect(harness.adapter.connections?.()["telegram-polling"]).toMatchObject({ state: "connected", degraded: false });
    api.pushUpdate(privateMessage(11, "家庭共济账户能给谁用"));
    await waitFor(() => api.calls.find((call) => call.method === "sendMessage"));
  });

  it("fails start() with a token hint when getMe is refused", async () => {
    const { api, harness } = await startAgainstFake();
    api.failNext("getMe", { error_code: 401, description: "Unauthorized" });
    // The error says what to do (and carries no URL, which would hold the token); the server tries start() again later.
    await expect(harness.adapter.start()).rejects.toMatchObject({ code: "TELEGRAM_TOKEN_REJECTED", hint: expect.stringContaining("TELEGRAM_BOT_TOKEN") });
    expect(harness.logs).toContainEqual(expect.objectContaining({ code: "TELEGRAM_TOKEN_REJECTED" }));
  });
});
