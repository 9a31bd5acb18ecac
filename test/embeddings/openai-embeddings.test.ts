import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { cp, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { OpenAiEmbeddings } from "../../src/embeddings/openai-embeddings.js";
import { buildIndex } from "../../src/ingest/build-index.js";
import { loadIndex } from "../../src/store/loaded-index.js";
import { retrieve } from "../../src/retrieval/retrieve.js";
import { SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";

/** A local server speaking the /v1/embeddings wire format, with scripted failures. */
interface Script {
  failures: { status: number; retryAfter?: string }[];
  dimensions: number;
  requests: { authorization?: string; model: string; input: string[] }[];
}
const script: Script = { failures: [], dimensions: 8, requests: [] };

function vectorFor(text: string, dimensions: number): number[] {
  // Deterministic and text-dependent: character codes folded into the dimensions.
  const vector = new Array<number>(dimensions).fill(0);
  for (let index = 0; index < text.length; index++) vector[text.charCodeAt(index) % dimensions] += 1;
  return vector;
}

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (request.url !== "/v1/embeddings" || request.method !== "POST") {
        response.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body) as { model: string; input: string[] };
      script.requests.push({ authorization: request.headers.authorization, model: parsed.model, input: parsed.input });
      if (request.headers.authorization !== "Bearer good-key") {
        response
          .writeHead(401, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { message: "Incorrect API key provided", type: "invalid_request_error" } }));
        return;
      }
      const failure = script.failures.shift();
      if (failure) {
        response
          .writeHead(failure.status, { "content-type": "application/json", ...(failure.retryAfter ? { "retry-after": failure.retryAfter } : {}) })
          .end(JSON.stringify({ error: { message: "try later" } }));
        return;
      }
      const data = parsed.input.map((text, index) => ({ object: "embedding", index, embedding: vectorFor(text, script.dimensions) }));
      // Answer out of order: clients must sort by index.
      response
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ object: "list", data: data.reverse(), model: parsed.model, usage: { prompt_tokens: 1, total_tokens: 1 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  script.failures = [];
  script.dimensions = 8;
  script.requests = [];
});

const embedder = (overrides: Partial<ConstructorParameters<typeof OpenAiEmbeddings>[0]> = {}) =>
  new OpenAiEmbeddings({ baseUrl, apiKey: "good-key", model: "test-embed", batchSize: 3, minRetryDelayMs: 10, ...overrides });

describe("OpenAI-compatible embedder", () => {
  it("batches inputs and keeps the order of the answers", async () => {
    const vectors = await embedder().embedDocuments(["一", "二", "三", "四", "五", "六", "七"]);
    expect(script.requests.map((request) => request.input.length)).toEqual([3, 3, 1]);
    expect(script.requests[0]).toMatchObject({ authorization: "Bearer good-key", model: "test-embed" });
    expect(vectors[3]).toEqual(vectorFor("四", 8));
    expect(embedder().describe()).toMatchObject({ id: "openai-compatible", model: "test-embed" });
  });

  it("retries 429 and 5xx with backoff, honouring Retry-After", async () => {
    script.failures = [{ status: 429, retryAfter: "2" }, { status: 503 }];
    // The wait it schedules is checked, not measured: Retry-After: 2 asks for exactly 2000 ms.
    const timers = vi.spyOn(globalThis, "setTimeout");
    try {
      const vector = await embedder().embedQuery("头痛");
      expect(vector).toEqual(vectorFor("头痛", 8));
      expect(script.requests).toHaveLength(3);
      expect(timers.mock.calls.map(([, delay]) => delay)).toContain(2000);
    } finally {
      timers.mockRestore();
    }
  });

  it("gives up after the retries with a clear error", async () => {
    script.failures = Array.from({ length: 10 }, () => ({ status: 500 }));
    await expect(embedder({ retries: 2 }).embedQuery("x")).rejects.toMatchObject({ code: "EMBEDDER_REQUEST" });
    expect(script.requests).toHaveLength(3);
  });

  it("fails at once on 401 with a hint about the API key", async () => {
    await expect(embedder({ apiKey: "bad" }).embedQuery("x")).rejects.toMatchObject({
      code: "EMBEDDER_AUTH",
      hint: expect.stringContaining("EMBEDDINGS_API_KEY"),
    });
    expect(script.requests).toHaveLength(1);
  });

  it("refuses a change of dimensions", async () => {
    const client = embedder({ expectedDimensions: 8 });
    await client.embedQuery("x");
    script.dimensions = 16;
    await expect(client.embedQuery("y")).rejects.toMatchObject({ code: "EMBEDDER_DIMENSIONS", hint: expect.stringContaining("--full") });
  });

  it("builds and queries a real index through the server", async () => {
    const work = await mkdtemp(path.join(os.tmpdir(), "kb-openai-"));
    try {
      await cp(SEED_KNOWLEDGE_DIR, path.join(work, "knowledge"), { recursive: true });
      const config = { kind: "openai" as const, baseUrl, apiKey: "good-key", model: "test-embed", batchSize: 16 };
      const { summary } = await buildIndex({ knowledgeDir: path.join(work, "knowledge"), indexDir: path.join(work, "index"), embedder: config });
      expect(summary.embeddedChunks).toBe(summary.chunks);
      const index = await loadIndex(path.join(work, "index"), config);
      expect(index.manifest.embedder).toEqual({ id: "openai-compatible", model: "test-embed", dimensions: 8 });
      expect((await retrieve(index, "亲情账户和家庭共济账户有什么区别")).hits[0].sourceId).toBe("000_9de61d0cf05b51f0.txt");
      await expect(loadIndex(path.join(work, "index"), { ...config, model: "other-model" })).rejects.toMatchObject({ code: "INDEX_EMBEDDER_MISMATCH" });
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});
