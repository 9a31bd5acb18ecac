/**
 * A local stand-in for wss://openws.work.weixin.qq.com, speaking the frames of
 * wecom-long-connection.md over a real `ws` server on 127.0.0.1, with the server-side rules a
 * client can break: one ack per frame with its req_id, 846609 for anything before a good
 * subscribe, 853000 for a wrong secret (the socket left open, as WeCom does), 846605 for a reply on
 * a req_id that is not a message callback's (an event's, say), 846608 for a stream frame past its
 * deadline, and `disconnected_event` to the older connection when a second one subscribes. Tests
 * drive it by hand: push callbacks, hold acks to watch frames go one at a time, stop answering
 * pings, refuse or drop connections, send raw bytes.
 */
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface FakeLongConnectionOptions {
  botId: string;
  secret: string;
  /** How long after its message a stream may still be updated (about 6 min at WeCom). */
  streamDeadlineMs?: number;
  /** How long after enter_chat the welcome is accepted (5 s at WeCom). */
  welcomeWindowMs?: number;
  /** How long a kicked connection stays open after its disconnected_event (2 s to 5 min at WeCom). */
  kickCloseMs?: number;
}

export interface ReceivedFrame {
  /** Which connection sent it, numbered from 1 in the order they were accepted. */
  connection: number;
  cmd?: string;
  requestId?: string;
  body?: Record<string, unknown>;
  /** performance.now() when it arrived, for the benchmark's latencies. */
  at: number;
}

export interface SentAck {
  connection: number;
  requestId: string;
  errcode: number;
}

export interface FakeLongConnectionServer {
  url: string;
  /** Every parsed frame the clients sent, in arrival order (the subscribe secret included, for the checks). */
  readonly received: ReceivedFrame[];
  readonly acks: SentAck[];
  /** Connections accepted so far. */
  readonly connectionCount: number;
  /** The connection callbacks go to: the one subscribed last, while it is open. */
  readonly subscribed: number | undefined;
  /** Frames that arrived on a req_id while an earlier frame on it was still waiting for its ack. */
  readonly overlaps: number;
  /** Reply acks are held (see releaseAck) instead of sent at once. */
  holdAcks: boolean;
  answerPings: boolean;
  /** The subscribe ack is held until releaseSubscribe(). */
  holdSubscribe: boolean;
  /** New connections are refused at the handshake (HTTP 503). */
  refuseConnections: boolean;
  /** Sends the oldest held ack (of `requestId`, when given); false when none was held. */
  releaseAck(requestId?: string): boolean;
  releaseSubscribe(): void;
  /** Pushes an aibot_msg_callback to the subscribed connection; returns its req_id. */
  pushMessage(body: Record<string, unknown>): string;
  /** Pushes an aibot_event_callback to the subscribed connection; returns its req_id. */
  pushEvent(body: Record<string, unknown>): string;
  /** Sends anything to the subscribed connection (or the newest one). */
  sendRaw(data: string | Buffer): void;
  /** Cuts the subscribed connection without a close frame. */
  dropConnection(): void;
  /** Reply frames (aibot_respond_msg / welcome) on one req_id, in order. */
  repliesTo(requestId: string): ReceivedFrame[];
  close(): Promise<void>;
}

interface Connection {
  id: number;
  socket: WebSocket;
  subscribed: boolean;
  awaitingAck: Set<string>;
}

interface Pushed {
  kind: "message" | "event";
  eventType?: string;
  at: number;
}

export async function startFakeLongConnectionServer(options: FakeLongConnectionOptions): Promise<FakeLongConnectionServer> {
  const streamDeadlineMs = options.streamDeadlineMs ?? 6 * 60_000;
  const welcomeWindowMs = options.welcomeWindowMs ?? 5_000;
  const kickCloseMs = options.kickCloseMs ?? 2_000;
  const received: ReceivedFrame[] = [];
  const acks: SentAck[] = [];
  const connections: Connection[] = [];
  const pushed = new Map<string, Pushed>();
  const heldAcks: { requestId: string; send: () => void }[] = [];
  let heldSubscribe: (() => void) | undefined;
  let overlaps = 0;
  let counter = 0;
  let current: Connection | undefined;
  const timers = new Set<NodeJS.Timeout>();

  const server = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    verifyClient: (_info, callback) => callback(!fake.refuseConnections, 503),
  });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));

  function ack(connection: Connection, requestId: string, errcode: number, errmsg: string): void {
    connection.awaitingAck.delete(requestId);
    acks.push({ connection: connection.id, requestId, errcode });
    if (connection.socket.readyState === WebSocket.OPEN) connection.socket.send(JSON.stringify({ headers: { req_id: requestId }, errcode, errmsg }));
  }

  function target(): Connection {
    const connection = current && current.socket.readyState === WebSocket.OPEN ? current : undefined;
    if (!connection) throw new Error("no subscribed connection to push to");
    return connection;
  }

  function push(cmd: string, body: Record<string, unknown>, entry: Pushed): string {
    counter += 1;
    const requestId = `SRV_REQ_${counter}`;
    pushed.set(requestId, entry);
    target().socket.send(JSON.stringify({ cmd, headers: { req_id: requestId }, body }));
    return requestId;
  }

  function subscribe(connection: Connection, requestId: string, body: Record<string, unknown> | undefined): void {
    if (body?.bot_id !== options.botId || body?.secret !== options.secret) {
      // WeCom answers and leaves the socket open, unauthenticated.
      ack(connection, requestId, 853000, "invalid bot_id or secret");
      return;
    }
    const accept = () => {
      const previous = current;
      connection.subscribed = true;
      current = connection;
      ack(connection, requestId, 0, "ok");
      if (previous && previous !== connection && previous.socket.readyState === WebSocket.OPEN) {
        counter += 1;
        previous.socket.send(
          JSON.stringify({
            cmd: "aibot_event_callback",
            headers: { req_id: `SRV_REQ_${counter}` },
            body: { msgid: `kick-${counter}`, aibotid: options.botId, msgtype: "event", event: { eventtype: "disconnected_event" } },
          }),
        );
        const timer = setTimeout(() => previous.socket.terminate(), kickCloseMs);
        timers.add(timer);
      }
    };
    if (fake.holdSubscribe) heldSubscribe = accept;
    else accept();
  }

  function reply(connection: Connection, frame: ReceivedFrame): void {
    const requestId = frame.requestId!;
    const origin = pushed.get(requestId);
    let errcode = 0;
    let errmsg = "ok";
    if (frame.cmd === "aibot_respond_msg") {
      if (origin?.kind !== "message") [errcode, errmsg] = [846605, "invalid req_id"];
      else if (Date.now() - origin.at > streamDeadlineMs) [errcode, errmsg] = [846608, "stream message update expired"];
    } else if (frame.cmd === "aibot_respond_welcome_msg") {
      if (origin?.kind !== "event" || origin.eventType !== "enter_chat") [errcode, errmsg] = [846605, "invalid req_id"];
      // The errcode of a late welcome is not documented; this one stands for it.
      else if (Date.now() - origin.at > welcomeWindowMs) [errcode, errmsg] = [846604, "websocket request expired, response is invalid"];
    }
    if (connection.awaitingAck.has(requestId)) overlaps += 1;
    connection.awaitingAck.add(requestId);
    const send = () => ack(connection, requestId, errcode, errmsg);
    if (fake.holdAcks) heldAcks.push({ requestId, send });
    else send();
  }

  server.on("connection", (socket) => {
    const connection: Connection = { id: connections.length + 1, socket, subscribed: false, awaitingAck: new Set() };
    connections.push(connection);
    socket.on("message", (data) => {
      let parsed: { cmd?: string; headers?: { req_id?: string }; body?: Record<string, unknown> };
      try {
        parsed = JSON.parse(String(data)) as typeof parsed;
      } catch {
        return;
      }
      const frame: ReceivedFrame = { connection: connection.id, cmd: parsed.cmd, requestId: parsed.headers?.req_id, body: parsed.body, at: performance.now() };
      received.push(frame);
      if (!frame.requestId) return;
      if (frame.cmd === "aibot_subscribe") return subscribe(connection, frame.requestId, frame.body);
      if (!connection.subscribed) return ack(connection, frame.requestId, 846609, "aibot websocket not subscribed");
      if (frame.cmd === "ping") {
        if (fake.answerPings) ack(connection, frame.requestId, 0, "ok");
        return;
      }
      reply(connection, frame);
    });
    socket.on("close", () => {
      if (current === connection) current = undefined;
    });
  });

  const fake: FakeLongConnectionServer = {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    acks,
    get connectionCount() {
      return connections.length;
    },
    get subscribed() {
      return current && current.socket.readyState === WebSocket.OPEN ? current.id : undefined;
    },
    get overlaps() {
      return overlaps;
    },
    holdAcks: false,
    answerPings: true,
    holdSubscribe: false,
    refuseConnections: false,
    releaseAck(requestId) {
      const index = heldAcks.findIndex((held) => requestId === undefined || held.requestId === requestId);
      if (index < 0) return false;
      const [held] = heldAcks.splice(index, 1);
      held!.send();
      return true;
    },
    releaseSubscribe() {
      const accept = heldSubscribe;
      heldSubscribe = undefined;
      accept?.();
    },
    pushMessage(body) {
      return push("aibot_msg_callback", body, { kind: "message", at: Date.now() });
    },
    pushEvent(body) {
      const eventType = (body.event as { eventtype?: string } | undefined)?.eventtype;
      return push("aibot_event_callback", body, { kind: "event", eventType, at: Date.now() });
    },
    sendRaw(data) {
      const connection = current ?? connections.at(-1);
      connection?.socket.send(data);
    },
    dropConnection() {
      target().socket.terminate();
    },
    repliesTo(requestId) {
      return received.filter((frame) => frame.requestId === requestId && frame.cmd !== "ping");
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const connection of connections) connection.socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
