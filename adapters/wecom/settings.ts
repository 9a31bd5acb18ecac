/**
 * The WeCom adapter's settings: the WECOM_* variables, their rules and the all-or-none groups of
 * each surface, composed into the one configuration by src/config.ts (as `config.wecom`, set when
 * any surface is configured).
 */
import { checkAllOrNone, idList, optionalAnswerMaxChars, optionalText, optionalUrl, settingsSlice } from "../../src/core/settings-slice.js";

export interface WecomBotConfig {
  token: string;
  encodingAesKey: string;
}

/** The AI bot over the long connection: the bot dials WeCom itself, no public URL needed. */
export interface WecomLongConnectionConfig {
  botId: string;
  secret: string;
  /** wss://openws.work.weixin.qq.com unless WECOM_BOT_WS_URL says otherwise. */
  url: string;
}

export interface WecomAppConfig {
  corpId: string;
  agentId: string;
  secret: string;
  token: string;
  encodingAesKey: string;
}

export interface WecomConfig {
  bot?: WecomBotConfig;
  longConnection?: WecomLongConnectionConfig;
  app?: WecomAppConfig;
  webhookKey?: string;
  apiBase: string;
  adminUserIds: string[];
  /** Longest answer body in WeCom (WECOM_ANSWER_MAX_CHARS); unset uses ANSWER_MAX_CHARS. */
  answerMaxChars?: number;
}

function checkEncodingAesKey(value: string | undefined, name: string, problems: string[]): void {
  if (value === undefined) return;
  if (!/^[A-Za-z0-9+/]{43}$/.test(value)) problems.push(`${name}: must be the 43-character EncodingAESKey from the WeCom console`);
}

export const DEFAULT_LONG_CONNECTION_URL = "wss://openws.work.weixin.qq.com";

/** Plain ws:// carries the secret in clear text, so it is accepted only to this machine (tests, a local relay). */
function isAllowedLongConnectionUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === "wss:" || (url.protocol === "ws:" && ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname));
}

const longConnectionUrl = optionalText.refine((value) => value === undefined || isAllowedLongConnectionUrl(value), {
  message: "must be a wss:// URL (ws:// only to 127.0.0.1, localhost or [::1])",
});

export const wecomSettings = settingsSlice({
  variables: {
    WECOM_BOT_TOKEN: optionalText,
    WECOM_BOT_ENCODING_AES_KEY: optionalText,
    WECOM_BOT_ID: optionalText,
    WECOM_BOT_SECRET: optionalText,
    WECOM_BOT_WS_URL: longConnectionUrl,
    WECOM_CORP_ID: optionalText,
    WECOM_AGENT_ID: optionalText,
    WECOM_SECRET: optionalText,
    WECOM_TOKEN: optionalText,
    WECOM_ENCODING_AES_KEY: optionalText,
    WECOM_WEBHOOK_KEY: optionalText,
    WECOM_API_BASE: optionalUrl,
    WECOM_ADMIN_USERIDS: idList,
    WECOM_ANSWER_MAX_CHARS: optionalAnswerMaxChars,
  },
  settings(values, problems): WecomConfig | undefined {
    const botSet = checkAllOrNone(values, ["WECOM_BOT_TOKEN", "WECOM_BOT_ENCODING_AES_KEY"], "the WeCom AI bot (/wecom/bot)", problems);
    const longConnectionSet = checkAllOrNone(values, ["WECOM_BOT_ID", "WECOM_BOT_SECRET"], "the WeCom AI bot's long connection", problems);
    const appSet = checkAllOrNone(
      values,
      ["WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_ENCODING_AES_KEY"],
      "the WeCom self-built app (/wecom/app)",
      problems,
    );
    checkEncodingAesKey(values.WECOM_BOT_ENCODING_AES_KEY, "WECOM_BOT_ENCODING_AES_KEY", problems);
    checkEncodingAesKey(values.WECOM_ENCODING_AES_KEY, "WECOM_ENCODING_AES_KEY", problems);
    if (values.WECOM_AGENT_ID !== undefined && !/^\d+$/.test(values.WECOM_AGENT_ID)) problems.push("WECOM_AGENT_ID: must be the numeric AgentId");
    if (!botSet && !longConnectionSet && !appSet && values.WECOM_WEBHOOK_KEY === undefined) return undefined;
    return {
      bot: botSet ? { token: values.WECOM_BOT_TOKEN!, encodingAesKey: values.WECOM_BOT_ENCODING_AES_KEY! } : undefined,
      longConnection: longConnectionSet
        ? { botId: values.WECOM_BOT_ID!, secret: values.WECOM_BOT_SECRET!, url: values.WECOM_BOT_WS_URL ?? DEFAULT_LONG_CONNECTION_URL }
        : undefined,
      app: appSet
        ? {
            corpId: values.WECOM_CORP_ID!,
            agentId: values.WECOM_AGENT_ID!,
            secret: values.WECOM_SECRET!,
            token: values.WECOM_TOKEN!,
            encodingAesKey: values.WECOM_ENCODING_AES_KEY!,
          }
        : undefined,
      webhookKey: values.WECOM_WEBHOOK_KEY,
      apiBase: (values.WECOM_API_BASE ?? "https://qyapi.weixin.qq.com").replace(/\/+$/, ""),
      adminUserIds: values.WECOM_ADMIN_USERIDS,
      answerMaxChars: values.WECOM_ANSWER_MAX_CHARS,
    };
  },
});
