/**
 * The AI bot over the long connection, end to end: the real adapter and the real bot over the seed
 * knowledge, a real SQLite state store, and the fake long-connection server. A group @mention and
 * a single chat are answered in a stream that shows the placeholder at once (with the feedback id)
 * and finishes with the answer; a 👍 is the user's vote; enter_chat gets the welcome; an image gets
 * the note that the bot reads text; a msgid answered before a restart is not answered again; an
 * answer whose stream WeCom no longer takes (846608) goes to the chat as a message of its own.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STREAM_PLACEHOLDER } from "../../adapters/wecom/answer-streams.js";
import { STREAM_CONTENT_MAX_BYTES } from "../../adapters/wecom/render-reply.js";
import { startFakeLongConnectionServer, type FakeLongConnectionServer, type ReceivedFrame } from "../../adapters/wecom/testing/fake-long-connection-server.js";
import { REPLY_TEXTS } from "../../src/conversation/reply-texts.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../support/scripted-knowledge-bot.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { openSqliteStateStore, type SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { createAnsweringBot, DISCLAIMER_QUESTION, type AnsweringBot } from "./support/answering-bot.js";
import { startLongConnectionAdapter, type LongConnectionAdapter } from "./support/long-connection-adapter.js";
import { eventMessage, LONG_CONNECTION_KEYS, nextMessageId, textMessage } from "./support/long-connection-harness.js";

interface StreamBody {
  msgtype: string;
  stream: { id: string; finish: boolean; content: string; feedback?: { id: string } };
}

let server: FakeLongConnectionServer;
let answering: AnsweringBot;
let dataDir: string;
let store: SqliteStateStore;
let running: LongConnectionAdapter;

async function start(): Promise<void> {
  store = openSqliteStateStore({ dataDir });
  running = await startLongConnectionAdapter({ bot: answering.bot, url: server.url, store });
  await waitFor(() => (running.state() === "connected" ? true : undefined));
}

async function stop(): Promise<void> {
  await running.adapter.stop();
  await store.close();
}

/** The reply frames on `requestId` once there are `count`, as stream bodies. */
async function replies(requestId: string, count: number): Promise<{ frames: ReceivedFrame[]; streams: StreamBody[] }> {
  const frames = await waitFor(() => (server.repliesTo(requestId).length >= count ? server.repliesTo(requestId) : undefined), 20_000);
  return { frames, streams: frames.map((frame) => frame.body as unknown as StreamBody) };
}

beforeAll(async () => {
  answering = await createAnsweringBot();
  server = await startFakeLongConnectionServer(LONG_CONNECTION_KEYS);
  dataDir = await mkdtemp(path.join(os.tmpdir(), "kb-wecom-long-connection-"));
  await start();
}, 120_000);

afterAll(async () => {
  await stop();
  await server.close();
  await answering.cleanup();
  await rm(dataDir, { recursive: true, force: true });
});

describe("the AI bot over the long connection", () => {
  it("answers a group @mention in a stream: the placeholder with a feedback id at once, then the answer with its links and the disclaimer", async () => {
    const requestId = server.pushMessage(textMessage({ userId: "zhangsan", chatid: "wrGroup1", content: `@医保 知识 助手  ${DISCLAIMER_QUESTION}` }));
    const { frames, streams } = await replies(requestId, 2);
    expect(frames.map((frame) => frame.cmd)).toEqual(["aibot_respond_msg", "aibot_respond_msg"]);
    const [placeholder, answer] = streams;
    expect(placeholder!.stream).toMatchObject({ finish: false, content: STREAM_PLACEHOLDER });
    expect(placeholder!.stream.feedback?.id).toBe(placeholder!.stream.id);
    expect(answer!.stream.id).toBe(placeholder!.stream.id);
    expect(answer!.stream.finish).toBe(true);
    expect(answer!.stream.feedback).toBeUndefined();
    expect(answer!.stream.content).toMatch(/\]\(http:\/\/127\.0\.0\.1:3000\/kb\//);
    expect(answer!.stream.content).toContain(MEDICAL_DISCLAIMER);
    expect(Buffer.byteLength(answer!.stream.content)).toBeLessThanOrEqual(STREAM_CONTENT_MAX_BYTES);
    // The mention, display name with spaces and all, is not part of the question.
    expect(answering.lastQuestion()?.text).toBe(DISCLAIMER_QUESTION);
    expect(server.acks.filter((ack) => ack.requestId === requestId).map((ack) => ack.errcode)).toEqual([0, 0]);
  });

  it("answers a single chat, and a voice message (which arrives as text) like a typed one", async () => {
    const typed = server.pushMessage(textMessage({ userId: "lisi", content: "亲情账户怎么开通" }));
    const voice = server.pushMessage({
      ...textMessage({ userId: "wangwu", content: "" }),
      msgtype: "voice",
      text: undefined,
      voice: { content: "家庭共济账户怎么用" },
    });
    for (const requestId of [typed, voice]) {
      const { streams } = await replies(requestId, 2);
      expect(streams[1]!.stream.finish).toBe(true);
      expect(streams[1]!.stream.content).not.toBe(REPLY_TEXTS.unsupported);
      expect(streams[1]!.stream.content.length).toBeGreaterThan(20);
    }
    expect(answering.questionsAbout("家庭共济账户怎么用")).toBe(1);
  });

  it("records a feedback_event on the answer's feedback id as the user's vote", async () => {
    const question = "亲情账户可以给谁开";
    const requestId = server.pushMessage(textMessage({ userId: "zhaoliu", content: question }));
    const { streams } = await replies(requestId, 2);
    const feedbackId = streams[0]!.stream.feedback!.id;
    server.pushEvent(eventMessage({ userId: "zhaoliu", eventType: "feedback_event", event: { feedback_event: { id: feedbackId, type: 1 } } }));
    expect(await votesOnceCounted(question)).toEqual({ upvotes: 1, downvotes: 0 });
  });

  it("welcomes enter_chat with aibot_respond_welcome_msg on the event's req_id", async () => {
    const requestId = server.pushEvent(eventMessage({ userId: "sunqi", eventType: "enter_chat" }));
    const [welcome] = (await replies(requestId, 1)).frames;
    expect(welcome!.cmd).toBe("aibot_respond_welcome_msg");
    expect(welcome!.body).toMatchObject({ msgtype: "text" });
    expect((welcome!.body as { text: { content: string } }).text.content.length).toBeGreaterThan(10);
    await waitFor(() => server.acks.find((ack) => ack.requestId === requestId));
    expect(server.acks.find((ack) => ack.requestId === requestId)?.errcode).toBe(0);
  });

  it("answers an image or a file with the short note that the bot reads text", async () => {
    const image = server.pushMessage({
      ...textMessage({ userId: "zhouba", content: "" }),
      msgtype: "image",
      text: undefined,
      image: { url: "https://example.invalid/i", aeskey: "k" },
    });
    const file = server.pushMessage({
      ...textMessage({ userId: "zhouba", content: "" }),
      msgtype: "file",
      text: undefined,
      file: { url: "https://example.invalid/f", aeskey: "k" },
    });
    for (const requestId of [image, file]) {
      const { streams } = await replies(requestId, 1);
      expect(streams).toHaveLength(1);
      expect(streams[0]!.stream).toMatchObject({ finish: true, content: REPLY_TEXTS.unsupported });
    }
  });

  it("does not answer a msgid again after a restart, nor twice in one run", async () => {
    const msgid = nextMessageId();
    const question = "亲情账户开通需要什么材料";
    const first = server.pushMessage(textMessage({ msgid, userId: "wujiu", content: question }));
    await replies(first, 2);
    const again = server.pushMessage(textMessage({ msgid, userId: "wujiu", content: question }));

    await stop();
    await start();
    const afterRestart = server.pushMessage(textMessage({ msgid, userId: "wujiu", content: question }));
    // A later message answered means the earlier ones were handled (and ignored).
    const later = server.pushMessage(textMessage({ userId: "wujiu", content: "家庭共济账户可以给谁用" }));
    await replies(later, 2);
    expect(server.repliesTo(again)).toHaveLength(0);
    expect(server.repliesTo(afterRestart)).toHaveLength(0);
    expect(answering.questionsAbout(question)).toBe(1);
    expect(running.lines.some((line) => line.msg === "wecom: message already answered; ignored")).toBe(true);
  });
});

/** The votes on a question as the admin queue shows them, once one was counted. */
async function votesOnceCounted(question: string): Promise<{ upvotes: number; downvotes: number }> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const [group] = (await store.listQuestions({ filter: "all", days: 1 })).filter((entry) => entry.text === question);
    if (group && group.upvotes + group.downvotes > 0) return { upvotes: group.upvotes, downvotes: group.downvotes };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no vote on ${question}`);
}

describe("a stream WeCom no longer takes (846608)", () => {
  it("sends the answer to the chat as a message of its own", async () => {
    // Every stream frame is past its deadline on this server, as after about 6 minutes in a busy line.
    const server = await startFakeLongConnectionServer({ ...LONG_CONNECTION_KEYS, streamDeadlineMs: -1 });
    const running = await startLongConnectionAdapter({ bot: createScriptedKnowledgeBot(() => cannedAnswer("“迟到的回答。”[1]")), url: server.url });
    try {
      await waitFor(() => (running.state() === "connected" ? true : undefined));
      const requestId = server.pushMessage(textMessage({ userId: "u1", chatid: "wrLateGroup", content: "@助手 亲情账户怎么开通" }));
      const sent = await waitFor(() => server.received.find((frame) => frame.cmd === "aibot_send_msg"));
      expect(server.acks.filter((ack) => ack.requestId === requestId).map((ack) => ack.errcode)).toEqual([846608, 846608]);
      expect(sent.requestId).not.toBe(requestId);
      expect(sent.body).toMatchObject({ chatid: "wrLateGroup", msgtype: "markdown" });
      expect((sent.body as { markdown: { content: string } }).markdown.content).toContain("迟到的回答。");
    } finally {
      await running.adapter.stop();
      await server.close();
    }
  });
});
