/**
 * Closing the server lets a question already in flight finish, stops the adapters, refuses new
 * connections, and cuts requests that outlive the shutdown timeout.
 */
import type { Hono } from "hono";
import { afterAll, describe, expect, it } from "vitest";
import { createChatCompletionsClient } from "../../src/answer/chat-completions-client.js";
import { createGenerativeRewriter } from "../../src/answer/generative-rewriter.js";
import type { ChatAdapter } from "../../src/core/chat-adapter.js";
import { startLocalChatModel, type LocalChatModel } from "./support/local-chat-model.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const opened: { close(): Promise<void> }[] = [];

afterAll(async () => {
  for (const item of opened.reverse()) await item.close();
});

/** An adapter that records the lifecycle calls the server makes. */
function recordingAdapter(events: string[]): ChatAdapter {
  return {
    name: "recording",
    mount(app: Hono) {
      app.post("/recording/webhook", (context) => context.json({ ok: true }));
    },
    async start() {
      events.push("start");
    },
    async stop() {
      events.push("stop");
    },
  };
}

async function slowServer(delayMs: number, shutdownTimeoutMs?: number): Promise<{ model: LocalChatModel; server: TestServer; events: string[] }> {
  const model = await startLocalChatModel();
  opened.push(model);
  model.reply = () => ({ content: "五指山位于海南省[1]。", delayMs });
  const events: string[] = [];
  const client = createChatCompletionsClient({ baseUrl: model.baseUrl, model: "slow-model", timeoutMs: 10_000 });
  const server = await startTestServer({ rewriteAnswer: createGenerativeRewriter(client), adapters: [recordingAdapter(events)], shutdownTimeoutMs });
  opened.push(server);
  return { model, server, events };
}

describe("graceful shutdown", () => {
  it("finishes the in-flight question, stops adapters and then refuses new connections", async () => {
    const { model, server, events } = await slowServer(800);
    expect(events).toEqual(["start"]);
    expect((await server.post("/recording/webhook", {})).status).toBe(200);

    const arrived = model.nextRequest();
    const inFlight = server.post("/api/ask", { question: "五指山在哪个省" });
    await arrived;
    let closed = false;
    const closing = server.server.close().then(() => (closed = true));

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect((await response.json()).text).toBe("五指山位于海南省。[1]");
    await closing;
    expect(closed).toBe(true);
    expect(events).toEqual(["start", "stop"]);
    await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
    // A second close is harmless.
    await server.server.close();
  });

  it("does not wait past the shutdown timeout for a request that will not end", async () => {
    const { model, server } = await slowServer(5000, 300);
    const arrived = model.nextRequest();
    const stuck = server.post("/api/ask", { question: "五指山在哪个省" }).then(
      (response) => response.status,
      () => "cut",
    );
    await arrived;
    // Were close to wait for the request, the model's reply would arrive and the request succeed.
    await server.server.close();
    expect(await stuck).toBe("cut");
    expect(server.logLines.some((line) => line.msg === "shutdown timeout; closing remaining connections")).toBe(true);
  });
});
