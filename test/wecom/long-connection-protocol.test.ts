/**
 * The long connection's protocol against the fake server (a real ws server on 127.0.0.1): the
 * subscribe comes first and nothing before its ack, the heartbeat and the dead connection after two
 * unanswered pings, the backoff, frames one at a time per req_id, the two answers that end the
 * connection for good (853000, disconnected_event), and bad frames dropped. The timers are stepped
 * by hand; no test waits for or measures the wall clock.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { startFakeLongConnectionServer, type FakeLongConnectionServer } from "../../adapters/wecom/testing/fake-long-connection-server.js";
import { createManualTimers, type ManualTimers } from "../../adapters/wecom/testing/manual-timers.js";
import { ACK_TIMEOUT_MS, HEARTBEAT_MS, openLongConnection, type LongConnection } from "../../adapters/wecom/long-connection/connection.js";
import { waitFor } from "../telegram/support/wait-for.js";
import { LONG_CONNECTION_KEYS, recordingLogger, textMessage, type LogLine } from "./support/long-connection-harness.js";

let server: FakeLongConnectionServer;
const opened: LongConnection[] = [];

beforeEach(async () => {
  server = await startFakeLongConnectionServer(LONG_CONNECTION_KEYS);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((connection) => connection.stop()));
  await server.close();
});

function open(options: { secret?: string; timers?: ManualTimers } = {}) {
  const timers = options.timers ?? createManualTimers();
  const { logger, lines } = recordingLogger();
  const messages: { requestId: string; body: Record<string, unknown> }[] = [];
  const connection = openLongConnection({
    url: server.url,
    botId: LONG_CONNECTION_KEYS.botId,
    secret: options.secret ?? LONG_CONNECTION_KEYS.secret,
    logger,
    timers,
    handlers: {
      onMessage: (requestId, body) => void messages.push({ requestId, body }),
      onEvent: () => undefined,
    },
  });
  opened.push(connection);
  return { connection, timers, lines, messages };
}

function connected(connection: LongConnection) {
  return waitFor(() => (connection.state.state === "connected" ? true : undefined));
}

/** The one-shot delays asked for other than ack waits: the backoffs. */
function backoffs(timers: ManualTimers): number[] {
  return timers.requestedDelays.filter((ms) => ms !== ACK_TIMEOUT_MS);
}

/**
 * Everything the client sent before this returns has reached the server: a ping goes out after it
 * on the same socket, and the server has it once this resolves.
 */
async function barrier(timers: ManualTimers): Promise<void> {
  const before = server.received.filter((frame) => frame.cmd === "ping").length;
  timers.fireEvery(HEARTBEAT_MS);
  await waitFor(() => (server.received.filter((frame) => frame.cmd === "ping").length > before ? true : undefined));
}

it("sends aibot_subscribe first with the bot id and secret, and nothing else until its ack", async () => {
  server.holdSubscribe = true;
  const { connection, timers, lines } = open();
  await waitFor(() => server.received[0]);
  expect(server.received[0]).toMatchObject({ cmd: "aibot_subscribe", body: { bot_id: LONG_CONNECTION_KEYS.botId, secret: LONG_CONNECTION_KEYS.secret } });
  expect(server.received[0]!.requestId).toMatch(/^aibot_subscribe_/);

  // Neither the heartbeat nor a reply may go out before the ack.
  expect(timers.fireEvery(HEARTBEAT_MS)).toBe(0);
  const requestId = server.received[0]!.requestId!;
  const early = connection.send("aibot_respond_msg", "SRV_REQ_EARLY", { msgtype: "stream", stream: { id: "s", finish: true, content: "x" } });
  expect(connection.state.state).toBe("connecting");

  server.releaseSubscribe();
  await connected(connection);
  await early;
  expect(server.received.map((frame) => frame.cmd)).toEqual(["aibot_subscribe", "aibot_respond_msg"]);
  expect(server.acks.find((ack) => ack.requestId === requestId)?.errcode).toBe(0);
  expect(server.acks.some((ack) => ack.errcode === 846609)).toBe(false);
  expect(JSON.stringify(lines)).not.toContain(LONG_CONNECTION_KEYS.secret);
});

it("takes a callback WeCom pushes right behind the subscribe ack, in the same read", async () => {
  server.holdSubscribe = true;
  const { connection, messages, lines } = open();
  await waitFor(() => server.received[0]);
  // The ack and the callback leave the server back to back, so the client reads them together.
  server.releaseSubscribe();
  const requestId = server.pushMessage(textMessage({ userId: "u1", content: "亲情账户怎么开通" }));
  await connected(connection);
  await waitFor(() => messages.find((message) => message.requestId === requestId));
  expect(JSON.stringify(lines)).not.toContain("before the subscription was acknowledged");
});

it("pings every heartbeat and counts the connection dead after two pings without an ack, then dials again", async () => {
  const { connection, timers, lines } = open();
  await connected(connection);

  expect(timers.fireEvery(HEARTBEAT_MS)).toBe(1);
  await waitFor(() => server.acks.find((ack) => ack.requestId.startsWith("ping_")));
  expect(server.received.filter((frame) => frame.cmd === "ping")).toHaveLength(1);

  server.answerPings = false;
  timers.fireEvery(HEARTBEAT_MS);
  timers.fireEvery(HEARTBEAT_MS);
  await waitFor(() => (server.received.filter((frame) => frame.cmd === "ping").length === 3 ? true : undefined));
  expect(connection.state.state).toBe("connected");

  // The third beat finds two pings unanswered: the connection is dead and is dialled again.
  timers.fireEvery(HEARTBEAT_MS);
  await waitFor(() => (connection.state.state === "reconnecting" ? true : undefined));
  expect(server.received.filter((frame) => frame.cmd === "ping")).toHaveLength(3);
  expect(lines.some((line) => line.msg.includes("pings unanswered"))).toBe(true);
  expect(backoffs(timers)).toEqual([1_000]);

  server.answerPings = true;
  expect(timers.fireAfter(1_000)).toBe(1);
  await connected(connection);
  expect(server.connectionCount).toBe(2);
  expect(server.subscribed).toBe(2);
});

it("dials again after a drop with a backoff of 1 s doubling to 30 s, reset once subscribed", async () => {
  const { connection, timers } = open();
  await connected(connection);
  server.refuseConnections = true;
  server.dropConnection();

  const expected = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000];
  for (let step = 0; step < expected.length; step += 1) {
    await waitFor(() => (backoffs(timers).length === step + 1 ? true : undefined));
    expect(connection.state.state).toBe("reconnecting");
    if (step < expected.length - 1) timers.fireAfter(backoffs(timers)[step]!);
  }
  expect(backoffs(timers)).toEqual(expected);
  const since = connection.state.since;

  server.refuseConnections = false;
  timers.fireAfter(30_000);
  await connected(connection);
  expect(since).toBeLessThan(connection.state.since);

  server.dropConnection();
  await waitFor(() => (backoffs(timers).length === expected.length + 1 ? true : undefined));
  expect(backoffs(timers).at(-1)).toBe(1_000);
});

it("sends the frames of one req_id one at a time, each after the previous ack, while other req_ids go meanwhile", async () => {
  const { connection, timers } = open();
  await connected(connection);
  const first = server.pushMessage(textMessage({ userId: "u1", content: "a" }));
  const second = server.pushMessage(textMessage({ userId: "u2", content: "b" }));
  server.holdAcks = true;

  const frame = (content: string, finish = false) => ({ msgtype: "stream", stream: { id: "stream-1", finish, content } });
  const sent = [
    connection.send("aibot_respond_msg", first, frame("1")),
    connection.send("aibot_respond_msg", first, frame("12")),
    connection.send("aibot_respond_msg", first, frame("123", true)),
  ];
  const other = connection.send("aibot_respond_msg", second, frame("x", true));
  await barrier(timers);
  expect(server.repliesTo(first)).toHaveLength(1);
  expect(server.repliesTo(second)).toHaveLength(1);

  for (let acked = 1; acked <= 3; acked += 1) {
    expect(server.releaseAck(first)).toBe(true);
    if (acked < 3) await waitFor(() => (server.repliesTo(first).length === acked + 1 ? true : undefined));
    await barrier(timers);
    expect(server.repliesTo(first)).toHaveLength(Math.min(acked + 1, 3));
  }
  while (server.releaseAck());
  expect((await Promise.all(sent)).map((ack) => ack.errcode)).toEqual([0, 0, 0]);
  expect((await other).errcode).toBe(0);
  expect(server.repliesTo(first).map((reply) => (reply.body as { stream: { content: string } }).stream.content)).toEqual(["1", "12", "123"]);
  expect(server.overlaps).toBe(0);
});

it("stops for good on 853000, naming WECOM_BOT_ID and WECOM_BOT_SECRET, without dialling again or logging the secret", async () => {
  const { connection, timers, lines } = open({ secret: "wrong-secret-value" });
  await connection.ended;
  expect(connection.state.state).toBe("refused");
  expect(server.acks[0]?.errcode).toBe(853000);
  const error = lines.find((line) => line.level === "error");
  expect(error?.msg).toContain("WECOM_BOT_ID");
  expect(error?.msg).toContain("WECOM_BOT_SECRET");
  expect((error?.err as { code?: string } | undefined)?.code).toBe("WECOM_CREDENTIALS_REFUSED");
  expect(backoffs(timers)).toEqual([]);
  expect(server.connectionCount).toBe(1);
  expect(JSON.stringify(lines)).not.toContain("wrong-secret-value");
  // WeCom leaves the refused socket open; the client closes it.
  await waitFor(() => (server.subscribed === undefined && server.received.length === 1 ? true : undefined));
});

it("stops for good on disconnected_event, when another instance subscribes with the bot, and says so", async () => {
  const first = open();
  await connected(first.connection);
  const second = open();
  await connected(second.connection);

  await first.connection.ended;
  expect(first.connection.state.state).toBe("replaced");
  expect(first.lines.some((line: LogLine) => line.level === "warn" && line.msg.includes("another instance subscribed with this bot"))).toBe(true);
  expect(backoffs(first.timers)).toEqual([]);
  expect(server.subscribed).toBe(2);
  expect(server.connectionCount).toBe(2);
  expect(second.connection.state.state).toBe("connected");
});

it("logs and drops bad frames, a 1 MB frame included, and goes on answering", async () => {
  const { connection, timers, lines, messages } = open();
  await connected(connection);
  const bad = [
    "not json",
    "[1,2]",
    "{}",
    JSON.stringify({ cmd: "aibot_no_such_cmd", headers: { req_id: "r1" }, body: {} }),
    JSON.stringify({ cmd: "aibot_msg_callback", headers: { req_id: "r2" } }),
    JSON.stringify({ cmd: "aibot_msg_callback", body: {} }),
  ];
  for (const frame of bad) server.sendRaw(frame);
  await waitFor(() => (lines.filter((line) => line.msg === "wecom long connection: frame dropped").length === bad.length ? true : undefined));
  expect(messages).toHaveLength(0);

  // Larger than any message: the socket refuses it (maxPayload) and the connection is dialled again.
  server.sendRaw("x".repeat(1024 * 1024));
  await waitFor(() => (connection.state.state === "reconnecting" ? true : undefined));
  timers.fireAfter(1_000);
  await connected(connection);

  const requestId = server.pushMessage(textMessage({ userId: "u1", content: "still here" }));
  await waitFor(() => messages.find((message) => message.requestId === requestId));
  expect(messages).toHaveLength(1);
});

it("hands WeCom's refusals back to the caller: 846605 for a stream on an event's req_id, 846608 for a stream past its deadline", async () => {
  await server.close();
  // A deadline already past when the message arrives: every stream frame on it is too late.
  server = await startFakeLongConnectionServer({ ...LONG_CONNECTION_KEYS, streamDeadlineMs: -1 });
  const { connection } = open();
  await connected(connection);
  const stream = { msgtype: "stream", stream: { id: "s1", finish: true, content: "x" } };

  const event = server.pushEvent({ msgid: "ev-1", from: { userid: "u1" }, msgtype: "event", event: { eventtype: "enter_chat" } });
  expect(await connection.send("aibot_respond_msg", event, stream)).toMatchObject({ errcode: 846605 });

  const message = server.pushMessage(textMessage({ userId: "u1", content: "a" }));
  expect(await connection.send("aibot_respond_msg", message, stream)).toMatchObject({ errcode: 846608 });
  expect(connection.state.state).toBe("connected");
});
