/**
 * The long connection's settings (WECOM_BOT_ID and WECOM_BOT_SECRET together; WECOM_BOT_WS_URL
 * wss:// only, ws:// only to this machine; callback mode beside it), and a flood of callbacks: one
 * chat sending far more than its line holds, and callbacks missing their fields, are refused or
 * dropped while every other conversation is still answered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLongConnectionServer, type FakeLongConnectionServer } from "../../adapters/wecom/testing/fake-long-connection-server.js";
import { ConfigError, loadConfig } from "../../src/config.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { configuredSecrets } from "../../src/configured-secrets.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { startLongConnectionAdapter, type LongConnectionAdapter } from "./support/long-connection-adapter.js";
import { LONG_CONNECTION_KEYS, textMessage } from "./support/long-connection-harness.js";
import { BOT_KEYS } from "./support/wecom-test-server.js";

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("long-connection settings", () => {
  const credentials = { WECOM_BOT_ID: LONG_CONNECTION_KEYS.botId, WECOM_BOT_SECRET: LONG_CONNECTION_KEYS.secret };

  it("dials wss://openws.work.weixin.qq.com by default, and keeps the callback mode beside it", () => {
    const config = loadConfig({ ...credentials, WECOM_BOT_TOKEN: BOT_KEYS.token, WECOM_BOT_ENCODING_AES_KEY: BOT_KEYS.encodingAesKey });
    expect(config.wecom?.longConnection).toEqual({
      botId: LONG_CONNECTION_KEYS.botId,
      secret: LONG_CONNECTION_KEYS.secret,
      url: "wss://openws.work.weixin.qq.com",
    });
    expect(config.wecom?.bot).toBeDefined();
  });

  it("counts the Secret among the values scrubbed from every log line", () => {
    expect(configuredSecrets(loadConfig(credentials))).toContain(LONG_CONNECTION_KEYS.secret);
  });

  it("needs the Bot ID and the Secret together", () => {
    expect(problemsOf({ WECOM_BOT_ID: "aib1" }).join("\n")).toMatch(/WECOM_BOT_SECRET: required/);
    expect(problemsOf({ WECOM_BOT_SECRET: "s" }).join("\n")).toMatch(/WECOM_BOT_ID: required/);
  });

  it("takes wss:// anywhere and ws:// only to this machine, naming WECOM_BOT_WS_URL otherwise", () => {
    expect(problemsOf({ ...credentials, WECOM_BOT_WS_URL: "wss://relay.example.com/ws" })).toEqual([]);
    expect(problemsOf({ ...credentials, WECOM_BOT_WS_URL: "ws://127.0.0.1:8080" })).toEqual([]);
    expect(problemsOf({ ...credentials, WECOM_BOT_WS_URL: "ws://localhost:8080" })).toEqual([]);
    for (const url of ["ws://openws.work.weixin.qq.com", "https://openws.work.weixin.qq.com", "not a url"]) {
      expect(problemsOf({ ...credentials, WECOM_BOT_WS_URL: url }).join("\n"), url).toMatch(/^WECOM_BOT_WS_URL: must be a wss:\/\/ URL/);
    }
  });
});

describe("a flood of callbacks", () => {
  let server: FakeLongConnectionServer;
  let running: LongConnectionAdapter;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  // Answers wait until the test lets them go, so the burst finds every line busy.
  const bot = createScriptedKnowledgeBot(async () => {
    await held;
    return cannedAnswer();
  });

  beforeAll(async () => {
    server = await startFakeLongConnectionServer(LONG_CONNECTION_KEYS);
    running = await startLongConnectionAdapter({ bot, url: server.url });
    await waitFor(() => (running.state() === "connected" ? true : undefined));
  });

  afterAll(async () => {
    release();
    await running.adapter.stop();
    await server.close();
  });

  it("refuses what one chat's line cannot hold, drops callbacks without their fields, and still answers the other chats", async () => {
    const burst = Array.from({ length: 40 }, (_, index) => server.pushMessage(textMessage({ userId: "flooder", content: `问题 ${index}` })));
    const broken = [
      server.pushMessage({ msgtype: "text", text: { content: "no msgid, no sender" } }),
      server.pushMessage({ msgid: "m-no-sender", msgtype: "text", text: { content: "no sender" } }),
    ];
    const others = Array.from({ length: 5 }, (_, index) => server.pushMessage(textMessage({ userId: `calm-${index}`, content: "亲情账户怎么开通" })));

    // The chat's line holds ten (one answering, nine waiting); the other thirty are told at once to wait.
    const refusedNow = () =>
      burst.filter((requestId) =>
        server.repliesTo(requestId).some((frame) => (frame.body as { stream: { content: string } }).stream.content === REPLY_TEXTS.queueFull),
      );
    await waitFor(() => (refusedNow().length === 30 ? true : undefined));
    expect(refusedNow()).toEqual(burst.slice(10));
    expect(burst.slice(0, 10).every((requestId) => server.repliesTo(requestId).length === 1)).toBe(true);

    release();
    await waitFor(() => (others.every((requestId) => server.repliesTo(requestId).length === 2) ? true : undefined), 20_000);
    for (const requestId of others) expect((server.repliesTo(requestId)[1]!.body as { stream: { finish: boolean } }).stream.finish).toBe(true);
    await waitFor(() => (burst.every((requestId) => server.repliesTo(requestId).length === 2) ? true : undefined), 20_000);
    expect(broken.every((requestId) => server.repliesTo(requestId).length === 0)).toBe(true);
    expect(running.lines.filter((line) => line.msg.startsWith("wecom: long-connection callback without msgid"))).toHaveLength(2);
    expect(running.state()).toBe("connected");
  });
});
