/**
 * The few WeCom server APIs the adapter calls. The access token is cached per app and refreshed
 * shortly before it expires; if WeCom revokes it early (40014 invalid, 42001 expired) the call
 * fetches a new token once and is sent again. Tokens and keys never reach a log line.
 */
import { WecomError } from "./errors.js";

export interface WecomApiClientOptions {
  /** e.g. https://qyapi.weixin.qq.com, without a trailing slash. */
  apiBase: string;
  /** Self-built app credentials; needed only for `sendAppMessage`. */
  app?: { corpId: string; secret: string; agentId: string };
  /** Refresh this long before WeCom's `expires_in` ends. */
  tokenRefreshMarginMs?: number;
  requestTimeoutMs?: number;
  now?: () => number;
}

export type OutgoingMessage = { msgtype: "markdown"; content: string } | { msgtype: "text"; content: string };

export interface WecomApiClient {
  /** Sends one app message to one member (`message/send`). */
  sendAppMessage(userId: string, message: OutgoingMessage): Promise<void>;
  /** Posts a markdown notice to a group through its webhook key (`webhook/send`). */
  sendWebhookMarkdown(key: string, content: string): Promise<void>;
  /** Answers an AI-bot message through its single-use `response_url`. */
  postResponseUrl(responseUrl: string, content: string): Promise<void>;
  /** Returns a valid access token, fetching one when the cache is empty or about to expire. */
  getAccessToken(): Promise<string>;
}

/** errcodes meaning "the token you sent is no longer valid". */
const TOKEN_REJECTED = new Set([40014, 42001]);

interface WecomResponse {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
}

function hintFor(errcode: number | undefined): string {
  switch (errcode) {
    case 60020:
      return "Add this server's egress IP under 企业可信IP in the app's settings in the WeCom admin console.";
    case 40001:
    case 40013:
      return "Check WECOM_CORP_ID and WECOM_SECRET against the app's page in the WeCom admin console.";
    case 81013:
      return "The recipient is not in the app's visible range; widen the app's 可见范围.";
    case 93000:
      return "The webhook key is invalid; copy it again from the group robot's settings.";
    case 45009:
    case 45033:
      return "WeCom rate limit reached; the reply was dropped, slow down sending.";
    default:
      return "See the WeCom error code list at https://developer.work.weixin.qq.com/document/path/90313.";
  }
}

export function createWecomApiClient(options: WecomApiClientOptions): WecomApiClient {
  const apiBase = options.apiBase.replace(/\/+$/, "");
  const marginMs = options.tokenRefreshMarginMs ?? 5 * 60_000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const now = options.now ?? Date.now;
  let cached: { token: string; expiresAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  /** `label` names the call in errors; the URL itself may hold a token or key, so it is not shown. */
  async function request(label: string, url: string, body?: unknown): Promise<WecomResponse> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? undefined : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new WecomError("WECOM_API_REQUEST", `${label}: request failed`, "Check network access to WECOM_API_BASE.", {
        status: 502,
        cause: error,
      });
    }
    const text = await response.text();
    let parsed: WecomResponse;
    try {
      parsed = JSON.parse(text) as WecomResponse;
    } catch (error) {
      throw new WecomError("WECOM_API_REQUEST", `${label}: HTTP ${response.status}, not JSON`, "Check WECOM_API_BASE.", {
        status: 502,
        cause: error,
      });
    }
    if (!response.ok) {
      throw new WecomError("WECOM_API_REQUEST", `${label}: HTTP ${response.status}`, "Check WECOM_API_BASE.", { status: 502 });
    }
    return parsed;
  }

  function fail(label: string, result: WecomResponse): never {
    throw new WecomError("WECOM_API_ERROR", `${label}: errcode ${result.errcode} ${result.errmsg ?? ""}`.trim(), hintFor(result.errcode), {
      status: 502,
      errcode: result.errcode,
    });
  }

  async function fetchToken(): Promise<string> {
    const app = options.app;
    if (!app) {
      throw new WecomError("WECOM_API_ERROR", "gettoken: no app credentials", "Set WECOM_CORP_ID and WECOM_SECRET.", { status: 500 });
    }
    const url = `${apiBase}/cgi-bin/gettoken?corpid=${encodeURIComponent(app.corpId)}&corpsecret=${encodeURIComponent(app.secret)}`;
    const result = await request("gettoken", url);
    if ((result.errcode ?? 0) !== 0 || !result.access_token) fail("gettoken", result);
    const lifetimeMs = (result.expires_in ?? 7200) * 1000;
    cached = { token: result.access_token!, expiresAt: now() + lifetimeMs };
    return cached.token;
  }

  function getAccessToken(): Promise<string> {
    if (cached && now() < cached.expiresAt - marginMs) return Promise.resolve(cached.token);
    // One gettoken for all callers: WeCom rate-limits it.
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function sendAppMessage(userId: string, message: OutgoingMessage): Promise<void> {
    const app = options.app;
    if (!app) throw new WecomError("WECOM_API_ERROR", "message/send: no app credentials", "Set the WECOM_* app variables.", { status: 500 });
    const body = {
      touser: userId,
      msgtype: message.msgtype,
      agentid: Number(app.agentId),
      [message.msgtype]: { content: message.content },
      safe: 0,
    };
    for (let attempt = 0; ; attempt += 1) {
      const token = await getAccessToken();
      const result = await request("message/send", `${apiBase}/cgi-bin/message/send?access_token=${encodeURIComponent(token)}`, body);
      if (TOKEN_REJECTED.has(result.errcode ?? 0) && attempt === 0) {
        if (cached?.token === token) cached = undefined;
        continue;
      }
      if ((result.errcode ?? 0) !== 0) fail("message/send", result);
      return;
    }
  }

  async function sendWebhookMarkdown(key: string, content: string): Promise<void> {
    const result = await request("webhook/send", `${apiBase}/cgi-bin/webhook/send?key=${encodeURIComponent(key)}`, {
      msgtype: "markdown",
      markdown: { content },
    });
    if ((result.errcode ?? 0) !== 0) fail("webhook/send", result);
  }

  async function postResponseUrl(responseUrl: string, content: string): Promise<void> {
    const result = await request("aibot/response", responseUrl, { msgtype: "markdown", markdown: { content } });
    if ((result.errcode ?? 0) !== 0) fail("aibot/response", result);
  }

  return { sendAppMessage, sendWebhookMarkdown, postResponseUrl, getAccessToken };
}
