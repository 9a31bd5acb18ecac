import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { describeConnectionError } from "../../adapters/telegram/telegram-errors.js";
import { WecomError } from "../../adapters/wecom/errors.js";
import { isKnowledgeBotError, KnowledgeBotError } from "../../src/core/errors.js";
import { HttpError, jsonError } from "../../src/server/json-error.js";

describe("one error root", () => {
  it("a WeCom error is a KnowledgeBotError with its WECOM_ code, hint and callback status", () => {
    const error = new WecomError("WECOM_SIGNATURE_INVALID", "Callback signature does not match", "Check WECOM_TOKEN.", { status: 401 });
    expect(error).toBeInstanceOf(KnowledgeBotError);
    expect(isKnowledgeBotError(error)).toBe(true);
    expect(error.status).toBe(401);
    expect(error.describe()).toBe("Callback signature does not match (WECOM_SIGNATURE_INVALID). Check WECOM_TOKEN.");
  });

  it("a Telegram connection failure is described as a KnowledgeBotError with a TELEGRAM_ code", () => {
    const failure = { response: { error_code: 401, description: "Unauthorized" } };
    const error = describeConnectionError(failure);
    expect(isKnowledgeBotError(error)).toBe(true);
    expect(error.code).toBe("TELEGRAM_TOKEN_REJECTED");
    expect(error.hint).toContain("TELEGRAM_BOT_TOKEN");
    expect((error as Error).cause).toBe(failure);
  });

  it("an HTTP refusal is a KnowledgeBotError and answers with its status and { error: { code, message, hint } }", async () => {
    expect(new HttpError(401, "UNAUTHORIZED", "A valid admin token is required.", "Send ADMIN_TOKEN.")).toBeInstanceOf(KnowledgeBotError);
    const app = new Hono();
    app.get("/refused", (context) => jsonError(context, 413, "BODY_TOO_LARGE", "The request body is too large.", "Send less."));
    const response = await app.request("/refused");
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: { code: "BODY_TOO_LARGE", message: "The request body is too large.", hint: "Send less." } });
  });
});
