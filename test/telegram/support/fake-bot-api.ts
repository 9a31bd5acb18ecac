/**
 * A minimal Bot API on node:http for what the emulator cannot do: answer a call with an error
 * such as a 429 carrying `retry_after`, or a 409 conflict on getUpdates. Errors use Telegram's
 * real shape `{ ok: false, error_code, description, parameters }`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  at: number;
}

export interface ErrorReply {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number };
}

export interface FakeBotApi {
  apiRoot: string;
  calls: RecordedCall[];
  /** Queues an update for the next getUpdates. */
  pushUpdate(update: Record<string, unknown>): void;
  /** Makes `method` fail with `reply` for its next `times` calls. */
  failNext(method: string, reply: ErrorReply, times?: number): void;
  stop(): Promise<void>;
}

export const FAKE_BOT = { id: 777, is_bot: true, first_name: "Fake", username: "FakeKnowledgeBot" };

function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = "";
    request.on("data", (part) => (text += String(part)));
    request.on("end", () => resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {}));
    request.on("error", reject);
  });
}

export async function startFakeBotApi(): Promise<FakeBotApi> {
  const calls: RecordedCall[] = [];
  const updates: Record<string, unknown>[] = [];
  const failures = new Map<string, ErrorReply[]>();
  const waiting = new Set<() => void>();
  let nextUpdateId = 1;
  let nextMessageId = 1000;

  const reply = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
  };

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = /^\/bot[^/]+\/([A-Za-z]+)/.exec(request.url ?? "")?.[1] ?? "";
    const body = await readBody(request);
    calls.push({ method, body, at: Date.now() });

    const failure = failures.get(method)?.shift();
    if (failure) return reply(response, failure.error_code, { ok: false, ...failure });

    switch (method) {
      case "getMe":
        return reply(response, 200, { ok: true, result: FAKE_BOT });
      case "deleteWebhook":
      case "setMyCommands":
      case "sendChatAction":
        return reply(response, 200, { ok: true, result: true });
      case "getUpdates": {
        const offset = Number(body.offset ?? 0);
        const pending = () => updates.filter((update) => Number(update.update_id) >= offset);
        if (pending().length === 0) {
          // Hold the poll like Telegram does, but briefly, so stopping stays quick.
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              waiting.delete(done);
              resolve();
            };
            const timer = setTimeout(done, 500);
            waiting.add(done);
          });
        }
        if (response.destroyed) return;
        return reply(response, 200, { ok: true, result: pending() });
      }
      case "sendMessage":
        return reply(response, 200, {
          ok: true,
          result: {
            message_id: nextMessageId++,
            date: Math.floor(Date.now() / 1000),
            chat: { id: Number(body.chat_id), type: Number(body.chat_id) < 0 ? "supergroup" : "private" },
            from: FAKE_BOT,
            text: body.text,
          },
        });
      default:
        return reply(response, 404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    }
  }

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => reply(response, 500, { ok: false, error_code: 500, description: "Internal Server Error" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    pushUpdate(update) {
      updates.push({ update_id: nextUpdateId++, ...update });
      for (const release of [...waiting]) release();
    },
    failNext(method, errorReply, times = 1) {
      failures.set(method, [...(failures.get(method) ?? []), ...Array.from({ length: times }, () => errorReply)]);
    },
    async stop() {
      for (const release of [...waiting]) release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
