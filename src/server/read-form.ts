/**
 * Reads a urlencoded or multipart form body. A body that is not one (a broken multipart frame, a
 * missing boundary) is the client's mistake: 400 and the request's one log line, never a 500 and a
 * stack. Every form route, the unauthenticated login form included, reads its body through here.
 */
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { noteForLog } from "./request-log.js";

export type FormFields = Record<string, string | File>;

export async function readForm(context: Context): Promise<FormFields> {
  try {
    return await context.req.parseBody();
  } catch {
    noteForLog(context, { formBody: "malformed" });
    throw new HTTPException(400, {
      res: new Response("The form body could not be read: send application/x-www-form-urlencoded or well-formed multipart/form-data.", {
        status: 400,
        headers: { "content-type": "text/plain; charset=UTF-8" },
      }),
    });
  }
}
