/**
 * The AI bot's long connection (wecom-long-connection.md §1): dial, `aibot_subscribe` first and
 * nothing else before its ack, a `ping` every 30 s, the connection counted dead after two pings in
 * a row went unanswered, and a new dial after any drop with a backoff of 1 s doubling to 30 s.
 * Two answers end it for good, because dialling again could only make things worse:
 * - 853000 (wrong Bot ID or Secret): another try would be refused the same way;
 * - `disconnected_event` (another instance subscribed with this bot): WeCom keeps one connection
 *   per bot, and two clients that both reconnect kick each other forever.
 *
 * Replies reuse the callback's req_id and WeCom acks each frame with that same req_id, so frames
 * on one req_id go one at a time, each after the previous ack; otherwise an ack could not be
 * matched to its frame. Different req_ids are in flight together.
 */
import type { Logger } from "pino";
import WebSocket from "ws";
import { WecomError } from "../errors.js";
import { createAckWaits, type Ack } from "./ack-waits.js";
import { isFinalState, type LongConnectionState, type LongConnectionStateName } from "./connection-state.js";
import { COMMANDS, encodeFrame, ERRCODES, newRequestId, parseFrame } from "./frames.js";
import { createReplyLines } from "./reply-lines.js";
import { nodeTimers, type ConnectionTimers } from "./timers.js";

export type { Ack } from "./ack-waits.js";

export const HEARTBEAT_MS = 30_000;
/** The SDK's wait for an ack; after it the frame is given up and the next one on its req_id goes. */
export const ACK_TIMEOUT_MS = 5_000;
export const FIRST_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 30_000;
/** Two pings in a row without an ack: the connection is dead even if the socket looks open. */
const MAX_MISSED_PINGS = 2;
/**
 * Inbound frames are small JSON (a text message is a few KB); a larger frame is refused by the
 * socket itself (ws `maxPayload`, close code 1009) before it is buffered whole, and dialled again.
 */
export const MAX_FRAME_BYTES = 256 * 1024;
/** A frame lost with its socket is sent again on the next one (a stream frame is a full snapshot, so a repeat is harmless). */
const MAX_SEND_TRIES = 3;

type Json = Record<string, unknown>;

export interface LongConnectionHandlers {
  /** An `aibot_msg_callback`: reply with `send(COMMANDS.respond, requestId, …)`. */
  onMessage(requestId: string, body: Json): void;
  /** An `aibot_event_callback` other than `disconnected_event`, which the connection handles itself. */
  onEvent(requestId: string, body: Json, eventType: string | undefined): void;
}

export interface LongConnectionOptions {
  url: string;
  botId: string;
  secret: string;
  logger: Logger;
  handlers: LongConnectionHandlers;
  timers?: ConnectionTimers;
  onStateChange?(state: LongConnectionState): void;
}

export interface LongConnection {
  readonly state: LongConnectionState;
  /** Settles when the connection has stopped for good: replaced, refused or stopped. */
  readonly ended: Promise<void>;
  /** Sends a frame under `requestId` once the frames before it on that req_id were acked; resolves with its own ack. */
  send(cmd: string, requestId: string, body: object): Promise<Ack>;
  /** Closes the socket and dials no more. */
  stop(): Promise<void>;
}

export function backoffDelayMs(attempt: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
}

/** Callbacks held while the subscribe ack is awaited; more are dropped (frames are untrusted). */
const MAX_HELD_CALLBACKS = 100;

export function openLongConnection(options: LongConnectionOptions): LongConnection {
  const { logger, handlers } = options;
  const timers = options.timers ?? nodeTimers;
  let state: LongConnectionState = { state: "connecting", since: timers.now() };
  let socket: WebSocket | undefined;
  let subscribed = false;
  /**
   * Callbacks that came in behind the subscribe ack before it was handled: ws hands over every frame
   * of one read at once, and the ack is handled a turn later, so a message WeCom pushes right after
   * acknowledging the subscription would otherwise be dropped. They run once the ack is handled.
   */
  let heldCallbacks: (() => void)[] = [];
  let failedAttempts = 0;
  let missedPings = 0;
  let cancelHeartbeat: (() => void) | undefined;
  let cancelReconnect: (() => void) | undefined;
  const acks = createAckWaits(timers);
  const waitingForSubscription = new Set<(ready: boolean) => void>();
  const lines = createReplyLines();
  let endConnection!: () => void;
  const ended = new Promise<void>((resolve) => (endConnection = resolve));

  function setState(name: LongConnectionStateName, detail?: string): void {
    if (isFinalState(state.state)) return;
    if (name === state.state && name === "reconnecting") return;
    state = { state: name, since: timers.now(), ...(detail ? { detail } : {}) };
    options.onStateChange?.(state);
    if (isFinalState(name)) {
      for (const wake of waitingForSubscription) wake(false);
      waitingForSubscription.clear();
      endConnection();
    }
  }

  /** Leaves the current socket behind: no heartbeat for it, and frames waiting on it learn it went away. */
  function forgetSocket(): WebSocket | undefined {
    const current = socket;
    socket = undefined;
    subscribed = false;
    if (heldCallbacks.length > 0)
      logger.warn({ callbacks: heldCallbacks.length }, "wecom long connection: callbacks before a subscription that failed; dropped");
    heldCallbacks = [];
    cancelHeartbeat?.();
    cancelHeartbeat = undefined;
    acks.closeAll();
    return current;
  }

  function closeSocket(): void {
    const current = forgetSocket();
    // A half-closed socket can throw on close; the connection is gone either way.
    try {
      current?.close(1000);
    } catch {
      current?.terminate();
    }
  }

  function dial(): void {
    cancelReconnect = undefined;
    if (isFinalState(state.state)) return;
    const current = new WebSocket(options.url, { maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000 });
    socket = current;
    current.on("open", () => {
      if (socket === current) subscribe(current);
    });
    current.on("message", (data: WebSocket.RawData) => {
      if (socket === current) receive(Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(data as Buffer[]).toString("utf8"));
    });
    current.on("error", (error: Error) => {
      // ws raises a RangeError for a frame over maxPayload and then closes with 1009.
      logger.warn({ err: error, url: options.url }, "wecom long connection: socket error");
    });
    current.on("close", (code: number) => {
      if (socket === current) dropped(`socket closed (${code})`);
    });
  }

  function dropped(reason: string): void {
    forgetSocket();
    if (isFinalState(state.state)) return;
    failedAttempts += 1;
    const delayMs = backoffDelayMs(failedAttempts);
    setState("reconnecting", reason);
    logger.warn({ reason, delayMs, attempt: failedAttempts }, "wecom long connection dropped; dialling again after the backoff");
    cancelReconnect = timers.after(delayMs, dial);
  }

  function subscribe(current: WebSocket): void {
    const requestId = newRequestId(COMMANDS.subscribe, timers.now());
    const acked = acks.wait(requestId, ACK_TIMEOUT_MS);
    // The only frame that carries the secret; it is never logged.
    current.send(encodeFrame(COMMANDS.subscribe, requestId, { bot_id: options.botId, secret: options.secret }));
    void acked.then((outcome) => {
      if (socket !== current) return;
      if (outcome.kind !== "ack") {
        logger.warn({ outcome: outcome.kind }, "wecom long connection: no answer to aibot_subscribe; dialling again");
        current.terminate();
        return;
      }
      const { errcode, errmsg } = outcome.ack;
      if (errcode === ERRCODES.credentialsRefused) return refused(errmsg);
      if (errcode !== ERRCODES.ok) {
        logger.warn({ errcode, errmsg }, "wecom long connection: aibot_subscribe refused; dialling again");
        current.terminate();
        return;
      }
      subscribed = true;
      failedAttempts = 0;
      missedPings = 0;
      setState("connected");
      logger.info({ url: options.url }, "wecom long connection subscribed; the AI bot answers here");
      cancelHeartbeat = timers.every(HEARTBEAT_MS, heartbeat);
      for (const wake of waitingForSubscription) wake(true);
      waitingForSubscription.clear();
      const held = heldCallbacks;
      heldCallbacks = [];
      for (const handle of held) dispatch(handle);
    });
  }

  function refused(errmsg: string): void {
    const error = new WecomError(
      "WECOM_CREDENTIALS_REFUSED",
      `WeCom refused the AI bot's long-connection credentials (853000 ${errmsg}).`,
      "Check WECOM_BOT_ID and WECOM_BOT_SECRET against the bot's 长连接 API 模式 page in the WeCom admin console, then restart; the bot does not dial again until then.",
      { errcode: ERRCODES.credentialsRefused, status: 401 },
    );
    logger.error({ err: error }, error.describe());
    setState("refused", "WeCom refused WECOM_BOT_ID / WECOM_BOT_SECRET (853000)");
    // WeCom leaves a refused socket open; closing it is the client's job.
    closeSocket();
  }

  function replaced(): void {
    logger.warn(
      "wecom long connection: another instance subscribed with this bot (disconnected_event); it has taken the bot, and this process stops its long connection without dialling again",
    );
    setState("replaced", "another instance subscribed with this bot (disconnected_event)");
    closeSocket();
  }

  function heartbeat(): void {
    const current = socket;
    if (!current || !subscribed) return;
    if (missedPings >= MAX_MISSED_PINGS) {
      logger.warn({ missedPings }, "wecom long connection: pings unanswered; the connection is counted dead");
      current.terminate();
      return;
    }
    missedPings += 1;
    const requestId = newRequestId(COMMANDS.ping, timers.now());
    // No timeout of its own: the next beats count the missing acks.
    void acks.wait(requestId).then((outcome) => {
      if (outcome.kind === "ack" && socket === current) missedPings = 0;
    });
    current.send(encodeFrame(COMMANDS.ping, requestId));
  }

  function receive(text: string): void {
    const frame = parseFrame(text);
    switch (frame.kind) {
      case "malformed":
        logger.warn({ problem: frame.problem, requestId: frame.requestId, bytes: Buffer.byteLength(text) }, "wecom long connection: frame dropped");
        return;
      case "keepalive":
        return;
      case "ack": {
        if (!acks.settle(frame.requestId, { errcode: frame.errcode, errmsg: frame.errmsg }))
          logger.debug({ requestId: frame.requestId, errcode: frame.errcode }, "wecom long connection: ack for no frame waiting; dropped");
        return;
      }
      case "event":
        if (frame.eventType === "disconnected_event") return replaced();
        return callback(frame.requestId, () => handlers.onEvent(frame.requestId, frame.body, frame.eventType));
      case "message":
        return callback(frame.requestId, () => handlers.onMessage(frame.requestId, frame.body));
    }
  }

  /** A callback runs now when subscribed, after the subscribe ack while one is awaited (a bounded few), or not at all. */
  function callback(requestId: string, handle: () => void): void {
    if (subscribed) return dispatch(handle);
    if (socket && heldCallbacks.length < MAX_HELD_CALLBACKS) {
      heldCallbacks.push(handle);
      return;
    }
    logger.warn({ requestId }, "wecom long connection: callback before the subscription was acknowledged; dropped");
  }

  /** One bad callback must not take the connection (or the process) down with it. */
  function dispatch(handle: () => void): void {
    try {
      handle();
    } catch (error) {
      logger.warn({ err: error }, "wecom long connection: callback not handled; dropped");
    }
  }

  function untilSubscribed(): Promise<boolean> {
    if (subscribed) return Promise.resolve(true);
    if (isFinalState(state.state)) return Promise.resolve(false);
    return new Promise((resolve) => waitingForSubscription.add(resolve));
  }

  async function deliver(cmd: string, requestId: string, body: object): Promise<Ack> {
    for (let attempt = 1; attempt <= MAX_SEND_TRIES; attempt += 1) {
      if (!(await untilSubscribed()) || !socket) return { errcode: -1, errmsg: "the long connection has stopped" };
      const acked = acks.wait(requestId, ACK_TIMEOUT_MS);
      socket.send(encodeFrame(cmd, requestId, body));
      const outcome = await acked;
      if (outcome.kind === "ack") return outcome.ack;
      if (outcome.kind === "timeout") return { errcode: -1, errmsg: `no ack within ${ACK_TIMEOUT_MS} ms` };
    }
    return { errcode: -1, errmsg: "the connection dropped on every try" };
  }

  dial();

  return {
    get state() {
      return state;
    },
    ended,
    send(cmd, requestId, body) {
      return lines.run(requestId, () => deliver(cmd, requestId, body));
    },
    async stop() {
      cancelReconnect?.();
      cancelReconnect = undefined;
      setState("stopped");
      closeSocket();
      await ended;
    },
  };
}
