/**
 * An embeddings backend that fails never shows its address to anonymous users: the error body of
 * POST /api/ask (which the web page shows) keeps the error's code but not its words, while the
 * admin (Bearer token) still reads them, and the server log has them. The backend is a local server
 * speaking the /v1/embeddings wire format; it embeds the folder at start, then refuses the API key.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot, type RunningBot } from "../../src/main.js";
import { botEnvironment, TEST_ADMIN_TOKEN } from "../server/support/test-server.js";

/** A path no client would guess, so finding it in a body means the address leaked. */
const BACKEND_PATH = "/internal-embeddings-7f3a";
const DIMENSIONS = 8;

let root: string;
let backend: Server;
let backendUrl: string;
let refusing = false;
let running: RunningBot | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-backend-failure-"));
  const knowledgeDir = path.join(root, "knowledge");
  await mkdir(knowledgeDir);
  await writeFile(
    path.join(knowledgeDir, "faq.csv"),
    "id,question,answer\nfaq-1,医保卡丢了怎么办,携带身份证到医保经办机构挂失并补办。\nfaq-2,门诊报销比例是多少,职工门诊报销比例一般为百分之七十。\n",
  );
  backend = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (refusing) {
        response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "Incorrect API key provided" } }));
        return;
      }
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      const data = input.map((text, index) => ({
        object: "embedding",
        index,
        embedding: Array.from({ length: DIMENSIONS }, (_, dimension) => [...text].filter((_, position) => position % DIMENSIONS === dimension).length + 1),
      }));
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data, model }));
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}${BACKEND_PATH}`;
  running = await startBot({
    environment: {
      ...botEnvironment({ knowledgeDir, indexDir: path.join(root, "index"), dataDir: path.join(root, "data") }),
      EMBEDDER: "openai",
      EMBEDDINGS_BASE_URL: backendUrl,
      EMBEDDINGS_MODEL: "test-embed",
      EMBEDDINGS_API_KEY: "a-key-the-backend-later-refuses",
    },
    handleSignals: false,
  });
  refusing = true;
});

afterAll(async () => {
  await running?.stop();
  await new Promise((resolve) => backend?.close(resolve));
  await rm(root, { recursive: true, force: true });
});

async function ask(headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const response = await fetch(`${running!.url}/api/ask`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ question: "医保卡丢了怎么办" }),
  });
  return { status: response.status, text: await response.text() };
}

describe("an embeddings backend that fails", () => {
  it("shows anonymous users the error's code, never the backend's address", async () => {
    const { status, text } = await ask();
    expect(status).toBe(500);
    const body = JSON.parse(text) as { error: { code: string; message: string; hint: string } };
    expect(body.error.code).toBe("EMBEDDER_AUTH");
    expect(text).not.toContain(BACKEND_PATH);
    expect(text).not.toContain(new URL(backendUrl).host);
    expect(text).not.toContain("EMBEDDINGS_");
  });

  it("shows the admin what failed and where", async () => {
    const { status, text } = await ask({ authorization: `Bearer ${TEST_ADMIN_TOKEN}` });
    expect(status).toBe(500);
    expect(text).toContain(BACKEND_PATH);
    expect(text).toContain("EMBEDDINGS_API_KEY");
  });
});
