/**
 * HTTP plumbing shared by both callback routes: the signed query parameters, the body size
 * limit, and turning a refused callback into a 4xx that is logged by code, never with its payload.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import type { CallbackCrypto, SignedParameters } from "./callback-crypto.js";
import { WecomError, isWecomError } from "./errors.js";

export function signedParameters(context: Context): SignedParameters {
  return {
    signature: context.req.query("msg_signature"),
    timestamp: context.req.query("timestamp"),
    nonce: context.req.query("nonce"),
  };
}

/**
 * URL verification, the same for both surfaces: the console's GET with a signed, encrypted
 * `echostr`, answered with the decrypted text, bare, as the whole body.
 */
export function mountUrlVerification(app: Hono, path: string, crypto: CallbackCrypto, logger: Logger, surface: string): void {
  app.get(path, (context) => {
    try {
      return context.text(crypto.open(signedParameters(context), context.req.query("echostr")));
    } catch (error) {
      return refuse(context, error, logger, surface);
    }
  });
}

/** Refuses bodies over `maxBytes` with 413 before any of it is parsed. */
export function callbackBodyLimit(maxBytes: number, logger: Logger, surface: string): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (context) => {
      const error = new WecomError("WECOM_BODY_TOO_LARGE", `Callback body exceeds ${maxBytes} bytes`, "Only WeCom should call this URL.", {
        status: 413,
      });
      return refuse(context, error, logger, surface);
    },
  });
}

/** Answers a refused callback: WecomErrors by their status, anything else with 500. */
export function refuse(context: Context, error: unknown, logger: Logger, surface: string): Response {
  if (isWecomError(error)) {
    logger.warn({ surface, code: error.code, status: error.status }, `wecom: callback refused: ${error.message}`);
    return context.text(error.code, error.status);
  }
  logger.error({ surface, err: error }, "wecom: callback handler failed");
  return context.text("WECOM_INTERNAL_ERROR", 500);
}

export function malformed(what: string, hint: string, cause?: unknown): WecomError {
  return new WecomError("WECOM_PAYLOAD_MALFORMED", `${what} is malformed`, hint, { cause });
}
