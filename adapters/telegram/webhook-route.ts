/**
 * Receives Telegram webhook deliveries on the shared HTTP app. The secret header is compared in
 * constant time, and the 200 goes out as soon as the update is recorded as a pending delivery and
 * handed over: handlers only queue work, and Telegram re-delivers updates whose webhook call is
 * slow. An update that cannot be kept (the pending deliveries are full) gets 503, which Telegram
 * answers by delivering it again later.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import type { Update } from "telegraf/types";

export const SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

export interface WebhookRouteOptions {
  /** Path part of TELEGRAM_WEBHOOK_URL, e.g. `/telegram/webhook`. */
  path: string;
  /** TELEGRAM_WEBHOOK_SECRET; when unset every POST to the path is accepted. */
  secret?: string;
  /** "accepted": recorded (or a repeat); "busy": not kept, to be delivered again. */
  handleUpdate(update: Update): Promise<"accepted" | "busy">;
  logger: Logger;
}

/** Compares two secrets without leaking, through timing, how much of a guess was right. */
export function secretsMatch(received: string | undefined, expected: string): boolean {
  if (received === undefined) return false;
  // Hashing first gives equal-length inputs, which timingSafeEqual requires.
  const receivedDigest = createHash("sha256").update(received).digest();
  const expectedDigest = createHash("sha256").update(expected).digest();
  return timingSafeEqual(receivedDigest, expectedDigest);
}

/** Real updates are a few kilobytes; anything far larger is not from Telegram. */
const maxUpdateBytes = 1024 * 1024;
/** Seconds suggested to a caller told "busy"; Telegram keeps its own schedule of re-deliveries. */
const BUSY_RETRY_AFTER_SECONDS = 5;

export function mountWebhookRoute(app: Hono, options: WebhookRouteOptions): void {
  const limit = bodyLimit({ maxSize: maxUpdateBytes, onError: (context) => context.json({ ok: false, error: "update too large" }, 413) });
  app.post(options.path, limit, async (context) => {
    if (options.secret !== undefined && !secretsMatch(context.req.header(SECRET_HEADER), options.secret)) {
      options.logger.warn({ path: options.path }, "telegram webhook call with a missing or wrong secret token refused");
      return context.json({ ok: false, error: "secret token mismatch" }, 403);
    }
    let update: Update;
    try {
      update = (await context.req.json()) as Update;
    } catch {
      return context.json({ ok: false, error: "body must be a JSON Telegram update" }, 400);
    }
    if (typeof update !== "object" || update === null || typeof update.update_id !== "number") {
      return context.json({ ok: false, error: "body must be a JSON Telegram update" }, 400);
    }
    if ((await options.handleUpdate(update)) === "busy") {
      return context.json({ ok: false, error: "too many updates wait for an answer; deliver this one again later" }, 503, {
        "Retry-After": String(BUSY_RETRY_AFTER_SECONDS),
      });
    }
    return context.body(null, 200);
  });
}
