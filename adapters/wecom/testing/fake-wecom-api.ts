/**
 * A local stand-in for qyapi.weixin.qq.com that speaks the real wire format for the calls the
 * adapter makes: gettoken, message/send, aibot/response (response_url) and webhook/send. It
 * enforces WeCom's rules that matter to us (token validity, byte limits, single-use
 * response_url) and records every call, so tests and the benchmark can count deliveries.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
}

export interface FakeWecomApiOptions {
  corpId: string;
  secret: string;
  webhookKey?: string;
  /** expires_in returned by gettoken, in seconds. */
  tokenLifetimeSeconds?: number;
}

export interface FakeWecomApi {
  /** e.g. http://127.0.0.1:41234 — use as WECOM_API_BASE. */
  readonly baseUrl: string;
  readonly tokenRequests: RecordedCall[];
  /** Successful message/send calls only. */
  readonly sentMessages: RecordedCall[];
  /** message/send calls refused (bad token, over limit). */
  readonly refusedMessages: RecordedCall[];
  readonly responseUrlPosts: RecordedCall[];
  readonly webhookPosts: RecordedCall[];
  /** A response_url as WeCom would put it into an AI-bot callback. */
  responseUrl(responseCode: string): string;
  /** Makes WeCom consider `token` expired (errcode 42001) from now on. */
  expireToken(token: string): void;
  /** While on, every token (also newly issued ones) counts as expired. */
  expireEveryToken(enabled: boolean): void;
  /**
   * From now on message/send calls are held unanswered and not recorded, as sends still on their
   * way; `releaseSends` lets through those whose caller is still connected. A held call whose
   * caller died (a killed process) is dropped: that message never reached WeCom.
   */
  holdSends(): void;
  releaseSends(): void;
  /** message/send calls held right now. */
  heldSends(): number;
  /** Held message/send calls dropped because their caller went away. */
  droppedSends(): number;
  /** Resolves once `condition()` holds, polling; rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const MESSAGE_MAX_BYTES = 2048;
const WEBHOOK_MARKDOWN_MAX_BYTES = 4096;
const RESPONSE_URL_MAX_BYTES = 20480;

function contentBytes(body: Record<string, unknown>): number {
  const type = body.msgtype;
  const part = typeof type === "string" ? (body[type] as { content?: unknown } | undefined) : undefined;
  return typeof part?.content === "string" ? Buffer.byteLength(part.content, "utf8") : -1;
}

export async function startFakeWecomApi(options: FakeWecomApiOptions): Promise<FakeWecomApi> {
  const tokens = new Map<string, { expired: boolean }>();
  const usedResponseCodes = new Set<string>();
  let tokenCounter = 0;
  let everyTokenExpired = false;
  let sendsHeld = false;
  const heldSendCalls = new Set<(release: boolean) => void>();
  let droppedSendCount = 0;

  /** Resolves true once sends are released, false (the call dropped) if its caller went away first. */
  function sendReleased(response: ServerResponse): Promise<boolean> {
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
      heldSendCalls.add(settle);
    });
  }
  const state = {
    tokenRequests: [] as RecordedCall[],
    sentMessages: [] as RecordedCall[],
    refusedMessages: [] as RecordedCall[],
    responseUrlPosts: [] as RecordedCall[],
    webhookPosts: [] as RecordedCall[],
  };

  function reply(response: ServerResponse, payload: Record<string, unknown>): void {
    response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    response.end(JSON.stringify({ errcode: 0, errmsg: "ok", ...payload }));
  }

  async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (chunks.length === 0) return {};
    try {
      return JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
    } catch {
      return { unparsable: true };
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const call: RecordedCall = { path: url.pathname, query: Object.fromEntries(url.searchParams), body: await readBody(request) };
    switch (url.pathname) {
      case "/cgi-bin/gettoken": {
        state.tokenRequests.push(call);
        if (call.query.corpid !== options.corpId || call.query.corpsecret !== options.secret) {
          return reply(response, { errcode: 40001, errmsg: "invalid credential" });
        }
        tokenCounter += 1;
        const token = `fake-token-${tokenCounter}`;
        tokens.set(token, { expired: false });
        return reply(response, { access_token: token, expires_in: options.tokenLifetimeSeconds ?? 7200 });
      }
      case "/cgi-bin/message/send": {
        const token = tokens.get(call.query.access_token ?? "");
        if (!token) {
          state.refusedMessages.push(call);
          return reply(response, { errcode: 40014, errmsg: "invalid access_token" });
        }
        if (token.expired || everyTokenExpired) {
          state.refusedMessages.push(call);
          return reply(response, { errcode: 42001, errmsg: "access_token expired" });
        }
        const bytes = contentBytes(call.body);
        if (typeof call.body.touser !== "string" || typeof call.body.agentid !== "number" || bytes < 0 || bytes > MESSAGE_MAX_BYTES) {
          state.refusedMessages.push(call);
          return reply(response, { errcode: 44004, errmsg: "empty or oversized content, or bad touser/agentid" });
        }
        if (sendsHeld && !(await sendReleased(response))) return;
        state.sentMessages.push(call);
        return reply(response, { invaliduser: "", msgid: `msg-${state.sentMessages.length}` });
      }
      case "/cgi-bin/aibot/response": {
        const code = call.query.response_code ?? "";
        const bytes = contentBytes(call.body);
        if (!code || usedResponseCodes.has(code)) return reply(response, { errcode: 40078, errmsg: "response_code used or invalid" });
        if (call.body.msgtype !== "markdown" || bytes < 0 || bytes > RESPONSE_URL_MAX_BYTES) {
          return reply(response, { errcode: 40058, errmsg: "invalid markdown" });
        }
        usedResponseCodes.add(code);
        state.responseUrlPosts.push(call);
        return reply(response, {});
      }
      case "/cgi-bin/webhook/send": {
        if (!options.webhookKey || call.query.key !== options.webhookKey) return reply(response, { errcode: 93000, errmsg: "invalid webhook url" });
        const bytes = contentBytes(call.body);
        if (bytes < 0 || (call.body.msgtype === "markdown" && bytes > WEBHOOK_MARKDOWN_MAX_BYTES)) {
          return reply(response, { errcode: 40058, errmsg: "content exceed max length" });
        }
        state.webhookPosts.push(call);
        return reply(response, {});
      }
      default:
        response.writeHead(404).end();
    }
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    ...state,
    responseUrl: (responseCode) => `${baseUrl}/cgi-bin/aibot/response?response_code=${encodeURIComponent(responseCode)}`,
    expireToken(token) {
      const entry = tokens.get(token);
      if (entry) entry.expired = true;
    },
    expireEveryToken(enabled) {
      everyTokenExpired = enabled;
    },
    holdSends() {
      sendsHeld = true;
    },
    releaseSends() {
      sendsHeld = false;
      for (const settle of [...heldSendCalls]) settle(true);
    },
    heldSends: () => heldSendCalls.size,
    droppedSends: () => droppedSendCount,
    async waitFor(condition, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`fake WeCom API: condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const settle of [...heldSendCalls]) settle(false);
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
