/**
 * Telegram's flood control can answer a send with 429 and a `retry_after` of a whole day. Waiting
 * that out would hold the chat's queue, and every later reply to it, for hours; a wait longer than
 * TELEGRAM_MAX_RETRY_AFTER_SECONDS drops that one message with a warning and the chat moves on.
 * Runs the real adapter against the fake Bot API on 127.0.0.1, which speaks Telegram's wire format.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Answer } from "../../src/core/types.js";
import { createAdapterHarness, type AdapterHarness } from "../telegram/support/adapter-harness.js";
import { startFakeBotApi, type FakeBotApi } from "../telegram/support/fake-bot-api.js";
import { createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { waitFor } from "../telegram/support/wait-for.js";

const TOKEN = "42:fake-token-for-retry-cap";
const ANSWER_TEXT = "家庭共济账户可以给近亲属使用。";

const answer: Answer = {
  text: `${ANSWER_TEXT}[1]`,
  paragraphs: [{ text: ANSWER_TEXT, citations: [1] }],
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

function privateMessage(chatId: number, messageId: number, text: string) {
  return {
    message: {
      message_id: messageId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private" },
      from: { id: chatId, is_bot: false, first_name: "Zhao" },
      text,
    },
  };
}

function sends(fake: FakeBotApi) {
  return fake.calls.filter((call) => call.method === "sendMessage");
}

describe("a retry_after over TELEGRAM_MAX_RETRY_AFTER_SECONDS", () => {
  it("drops that message with a warning, and the next message to the chat is sent", async () => {
    api = await startFakeBotApi();
    const fake = api;
    harness = createAdapterHarness({ bot: createScriptedKnowledgeBot(() => answer), apiRoot: fake.apiRoot, token: TOKEN });
    const logs = harness.logs;
    fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 86400", parameters: { retry_after: 86_400 } });
    await harness.adapter.start();

    fake.pushUpdate(privateMessage(901, 11, "家庭共济账户"));
    await waitFor(() => (sends(fake).length === 1 ? true : undefined));
    fake.pushUpdate(privateMessage(901, 12, "亲情账户"));

    // The second question's answer goes out in the same chat: the first one is not being waited out.
    const [refused, next] = await waitFor(() => (sends(fake).length >= 2 ? sends(fake) : undefined));
    expect((refused.body.reply_parameters as { message_id: number }).message_id).toBe(11);
    expect((next.body.reply_parameters as { message_id: number }).message_id).toBe(12);
    await harness.adapter.stop(); // drains the queues: nothing else is still waiting to go out
    // Dropped means dropped: neither a retry of the first answer nor a "something failed" reply.
    expect(sends(fake)).toHaveLength(2);

    const warning = logs.find((log) => log.level === "warn" && log.retryAfterSeconds === 86_400);
    expect(warning).toMatchObject({ chatId: 901, method: "sendMessage", retryAfterSeconds: 86_400, maxRetryAfterSeconds: 60 });
    // No log line carries the message text or the bot token.
    for (const line of logs) {
      expect(JSON.stringify(line)).not.toContain(ANSWER_TEXT);
      expect(JSON.stringify(line)).not.toContain(TOKEN);
    }
    expect(logs.filter((log) => log.level === "error")).toEqual([]);
  });

  it("is configurable, and a retry_after within the cap is still waited out and resent", async () => {
    api = await startFakeBotApi();
    const fake = api;
    harness = createAdapterHarness({
      bot: createScriptedKnowledgeBot(() => answer),
      apiRoot: fake.apiRoot,
      token: TOKEN,
      environment: { TELEGRAM_MAX_RETRY_AFTER_SECONDS: "1" },
    });
    fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 1", parameters: { retry_after: 1 } });
    fake.failNext("sendMessage", { error_code: 429, description: "Too Many Requests: retry after 2", parameters: { retry_after: 2 } });
    await harness.adapter.start();
    fake.pushUpdate(privateMessage(902, 21, "家庭共济账户"));

    // retry_after 1 (within the cap of 1 s) is waited and the same message resent; retry_after 2 drops it.
    await waitFor(() => harness!.logs.find((log) => log.msg.includes("message dropped")));
    await harness.adapter.stop();
    const [first, second] = sends(fake);
    expect(sends(fake)).toHaveLength(2);
    expect(second.body).toEqual(first.body);
    expect(harness.logs).toContainEqual(expect.objectContaining({ level: "warn", chatId: 902, retryAfterSeconds: 1, attempt: 1 }));
    expect(harness.logs).toContainEqual(
      expect.objectContaining({ level: "warn", chatId: 902, method: "sendMessage", retryAfterSeconds: 2, maxRetryAfterSeconds: 1 }),
    );
  });
});
