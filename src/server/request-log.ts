/**
 * One structured log line per request, written when the response is ready, with its timing.
 * Routes add their own fields (the masked question, what the answer was) through `noteForLog`,
 * so a question and its answer stay on the same line as the request.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../core/logger.js";

// Keyed by the context: middleware such as the body limit may replace `context.req.raw`.
const notes = new WeakMap<Context, Record<string, unknown>>();

export function noteForLog(context: Context, fields: Record<string, unknown>): void {
  notes.set(context, { ...notes.get(context), ...fields });
}

export function requestLog(logger: Logger): MiddlewareHandler {
  return async (context, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = context.res.status;
      const fields = {
        method: context.req.method,
        path: context.req.path,
        status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...notes.get(context),
      };
      if (status >= 500) logger.error(fields, "request failed");
      else logger.info(fields, "request");
    }
  };
}
