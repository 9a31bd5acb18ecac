/**
 * What the long-connection tests share: the test bot's credentials, a logger whose lines a test
 * reads, and message bodies as WeCom pushes them.
 */
import { createLogger, type Logger } from "../../../src/core/logger.js";

export const LONG_CONNECTION_KEYS = { botId: "aibTestBot0001", secret: "long-connection-secret-for-tests" };

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/**
 * A real logger that keeps every line. It is not given the secret to scrub (main.ts does that too),
 * so a test can see that the adapter itself never writes it.
 */
export function recordingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger("debug", { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

let counter = 0;

/** A fresh msgid per call, so tests never share one by accident. */
export function nextMessageId(): string {
  counter += 1;
  return `ws-msg-${process.pid}-${counter}`;
}

export function textMessage(options: { msgid?: string; userId: string; content: string; chatid?: string }): Record<string, unknown> {
  return {
    msgid: options.msgid ?? nextMessageId(),
    aibotid: LONG_CONNECTION_KEYS.botId,
    ...(options.chatid ? { chatid: options.chatid, chattype: "group" } : { chattype: "single" }),
    from: { userid: options.userId },
    response_url: "https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=RC",
    msgtype: "text",
    text: { content: options.content },
  };
}

export function eventMessage(options: { userId: string; eventType: string; event?: Record<string, unknown> }): Record<string, unknown> {
  return {
    msgid: nextMessageId(),
    create_time: 1765000040,
    aibotid: LONG_CONNECTION_KEYS.botId,
    chattype: "single",
    from: { userid: options.userId },
    msgtype: "event",
    event: { eventtype: options.eventType, ...options.event },
  };
}
