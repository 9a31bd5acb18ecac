/**
 * A local HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions wire format
 * (`POST /v1/chat/completions`). Each test scripts its reply; every request is recorded.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ModelReply {
  status?: number;
  /** Message content for a normal reply. */
  content?: string;
  /** A raw body instead of a normal reply (e.g. something that is not JSON). */
  rawBody?: string;
  delayMs?: number;
}

export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: { model: string; messages: { role: string; content: string }[] };
}

export interface LocalChatModel {
  /** Base URL as CHAT_MODEL_BASE_URL takes it, ending in /v1. */
  baseUrl: string;
  requests: RecordedRequest[];
  reply: (request: RecordedRequest) => ModelReply;
  /** Resolves when the next request arrives. */
  nextRequest(): Promise<RecordedRequest>;
  close(): Promise<void>;
}

export async function startLocalChatModel(): Promise<LocalChatModel> {
  const waiting: ((request: RecordedRequest) => void)[] = [];
  const model: LocalChatModel = {
    baseUrl: "",
    requests: [],
    reply: () => ({ content: "" }),
    nextRequest: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer(async (request, response) => {
    let text = "";
    for await (const chunk of request) text += chunk;
    const recorded: RecordedRequest = { path: request.url ?? "", headers: request.headers, body: JSON.parse(text || "{}") };
    model.requests.push(recorded);
    for (const resolve of waiting.splice(0)) resolve(recorded);
    if (request.method !== "POST" || recorded.path !== "/v1/chat/completions") {
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
      return;
    }
    const reply = model.reply(recorded);
    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (response.destroyed) return;
    const body =
      reply.rawBody ??
      JSON.stringify(
        (reply.status ?? 200) >= 400
          ? { error: { message: "model overloaded", type: "server_error" } }
          : {
              id: "chatcmpl-test",
              object: "chat.completion",
              created: Math.floor(Date.now() / 1000),
              model: recorded.body.model,
              choices: [{ index: 0, message: { role: "assistant", content: reply.content }, finish_reason: "stop" }],
              usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
            },
      );
    response.writeHead(reply.status ?? 200, { "content-type": "application/json" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  model.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  // Keep-alive sockets from the client would otherwise hold close() open.
  const close = model.close;
  model.close = () => {
    server.closeAllConnections();
    return close();
  };
  return model;
}
