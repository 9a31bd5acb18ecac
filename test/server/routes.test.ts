/** Every route of the server against a real index: happy paths, source pages and bad input. */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerToJson } from "../../src/answer/answer-json.js";
import { MEDICAL_DISCLAIMER } from "../../src/core/medical-disclaimer.js";
import { pathOf, startTestServer, type TestServer } from "./support/test-server.js";

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const GEOGRAPHY_QUESTION = "五指山在哪个省";

let server: TestServer;

/**
 * POSTs an oversized body on a connection of its own (no keep-alive pool): the server answers 413
 * without reading the rest, so that connection must not carry the next test's request.
 */
function postOversized(route: string, chunks: string[], headers: Record<string, string> = {}): Promise<{ status: number; body: { error: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${server.url}${route}`,
      { method: "POST", agent: false, headers: { "content-type": "application/json", ...headers } },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (data: string) => (text += data));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    // The server may close the connection before the whole body is written; the response still arrives.
    outgoing.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    for (const chunk of chunks) outgoing.write(chunk);
    outgoing.end();
  });
}

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.close();
});

describe("GET /healthz", () => {
  it("reports the serving index version and counts", async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    const health = await response.json();
    expect(health.status).toBe("ok");
    expect(health.index.version).toBe(server.bot.current.version);
    expect(health.index.sources).toBe(server.bot.current.sources.size);
    expect(health.index.chunks).toBe(server.bot.current.chunks.length);
    expect(health.index.sources).toBeGreaterThan(10);
  });
});

describe("GET /", () => {
  it("serves a self-contained page with a nonce'd inline script and no external assets", async () => {
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('id="ask-form"');
    // Hit testing is admin-only now (/admin/hit-testing), not on the public page.
    expect(html).not.toContain("命中测试");
    // Vote buttons carry words beside the emoji, for fonts without emoji.
    expect(html).toContain('textContent: "👍 有用"');
    expect(html).toContain('textContent: "👎 没用"');
    expect(html).not.toMatch(/<(?:script|link|img)[^>]+(?:src|href)=["']https?:/);
    const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
    expect(nonce).toBeTruthy();
    expect(response.headers.get("content-security-policy")).toContain(`'nonce-${nonce}'`);
  });
});

describe("POST /api/ask", () => {
  it("returns the same shape as `kb ask --json`, with the disclaimer for the medical-insurance question", async () => {
    const response = await server.post("/api/ask", { question: SEED_QUESTION });
    expect(response.status).toBe(200);
    // The API adds what kind of reply it is, the conversation it belongs to (see test/conversation/responder-api.test.ts)
    // and the answer's id for feedback (test/server/feedback-api.test.ts).
    const { kind, conversationId, answerId, ...body } = await response.json();
    expect(kind).toBe("answer");
    expect(conversationId).toEqual(expect.any(String));
    expect(answerId).toMatch(/^[0-9a-f-]{36}$/);
    const direct = answerToJson(await server.bot.answer({ text: SEED_QUESTION, platform: "web" }));
    expect(Object.keys(body).sort()).toEqual(Object.keys(direct).sort());
    expect(body).toEqual(direct);
    expect(body.disclaimer).toBe(true);
    expect(body.text.endsWith(MEDICAL_DISCLAIMER)).toBe(true);
    expect(body.text).toContain("[1]");
    expect(body.citations[0].title).toContain("亲情账户");
    // The structure clients draw; `text` is built from it: each paragraph, its markers, then the disclaimer.
    expect(body.paragraphs[0]).toEqual({ text: expect.any(String), citations: [1] });
    const built = body.paragraphs.map((paragraph: { text: string; citations: number[] }) => paragraph.text + paragraph.citations.map((n) => `[${n}]`).join(""));
    expect(body.text).toBe([...built, MEDICAL_DISCLAIMER].join("\n\n"));
  });

  it("answers the geography question without the disclaimer", async () => {
    const body = await (await server.post("/api/ask", { question: GEOGRAPHY_QUESTION })).json();
    expect(body.noAnswer).toBe(false);
    expect(body.disclaimer).toBe(false);
    expect(body.text).not.toContain(MEDICAL_DISCLAIMER);
    expect(body.text).toContain("海南");
  });

  it("gives a polite no-answer for an off-topic question", async () => {
    const body = await (await server.post("/api/ask", { question: "量子色动力学的渐近自由是什么" })).json();
    expect(body.noAnswer).toBe(true);
    expect(body.citations).toEqual([]);
    expect(body.disclaimer).toBe(false);
  });

  it("every citation and related link resolves to a source page on this server", async () => {
    const body = await (await server.post("/api/ask", { question: SEED_QUESTION })).json();
    const links = [...body.citations, ...body.related].map((item: { url: string }) => item.url);
    expect(links.length).toBeGreaterThan(1);
    for (const link of links) {
      expect(link.startsWith(`${server.config.publicBaseUrl}/kb/`)).toBe(true);
      const page = await fetch(`${server.url}${pathOf(link)}`);
      expect(page.status, link).toBe(200);
    }
  });

  it("logs one line for the request with timing and the question masked", async () => {
    const question = "我的手机号13812345678，身份证110101199003077777，医保怎么报销";
    const response = await server.post("/api/ask", { question });
    expect(response.status).toBe(200);
    const line = server.logLines.find((entry) => entry.path === "/api/ask" && String(entry.question).includes("医保怎么报销"));
    expect(line).toBeDefined();
    expect(line!.status).toBe(200);
    expect(typeof line!.durationMs).toBe("number");
    expect(line!.question).toContain("[phone]");
    expect(line!.question).toContain("[id-number]");
    expect(JSON.stringify(server.logLines)).not.toContain("13812345678");
    expect(JSON.stringify(server.logLines)).not.toContain("110101199003077777");
  });
});

describe("POST /api/ask bad input", () => {
  it("rejects a body larger than MAX_BODY_BYTES with 413", async () => {
    const body = JSON.stringify({ question: "问".repeat(server.config.maxBodyBytes) });
    const response = await postOversized("/api/ask", [body], { "content-length": String(Buffer.byteLength(body)) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("BODY_TOO_LARGE");
  });

  it("closes the connection after a 413, so a pooled client's next request gets a fresh one", async () => {
    const refused = await fetch(`${server.url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "问".repeat(server.config.maxBodyBytes) }),
    });
    expect(refused.status).toBe(413);
    expect(refused.headers.get("connection")).toBe("close");
    await refused.text();
    for (let attempt = 0; attempt < 3; attempt++) expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("rejects an oversized chunked body (no Content-Length) with 413", async () => {
    // No Content-Length: node:http sends the ten 16 KiB chunks with chunked transfer encoding.
    const response = await postOversized(
      "/api/ask",
      Array.from({ length: 10 }, () => "x".repeat(16 * 1024)),
    );
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("BODY_TOO_LARGE");
  });

  it.each([
    ["not JSON", "question=医保", "INVALID_JSON"],
    ["truncated JSON", '{"question": "医保', "INVALID_JSON"],
    ["a JSON array", '["医保"]', "INVALID_JSON"],
    ["an empty body", "", "INVALID_JSON"],
  ])("rejects %s with 400", async (_label, body, code) => {
    const response = await server.post("/api/ask", body);
    expect(response.status).toBe(400);
    const error = (await response.json()).error;
    expect(error.code).toBe(code);
    expect(error.message).toBeTruthy();
    expect(error.hint).toBeTruthy();
  });

  it.each([
    ["an empty question", { question: "" }],
    ["a blank question", { question: "   \n " }],
    ["a missing question", { text: "医保" }],
    ["a non-text question", { question: 42 }],
  ])("rejects %s with 400 QUESTION_EMPTY", async (_label, body) => {
    const response = await server.post("/api/ask", body);
    expect(response.status).toBe(400);
    expect((await response.json()).error.code).toBe("QUESTION_EMPTY");
  });

  it("rejects a 10,000-character question with a clear 413", async () => {
    const response = await server.post("/api/ask", { question: "医".repeat(10_000) });
    expect(response.status).toBe(413);
    const error = (await response.json()).error;
    expect(error.code).toBe("QUESTION_TOO_LONG");
    expect(error.message).toContain("10000");
    expect(error.message).toContain(String(server.config.maxQuestionChars));
  });

  it("keeps serving after a run of bad requests", async () => {
    const refused = [
      (
        await postOversized(
          "/api/ask",
          Array.from({ length: 10 }, () => "x".repeat(16 * 1024)),
        )
      ).status,
    ];
    for (const body of ['{"question": "医保', "", { question: 42 }, { question: "医".repeat(10_000) }])
      refused.push((await server.post("/api/ask", body)).status);
    expect(refused).toEqual([413, 400, 400, 400, 413]);
    const response = await server.post("/api/ask", { question: GEOGRAPHY_QUESTION });
    expect(response.status).toBe(200);
    expect((await response.json()).text).toContain("海南");
  });

  it("answers unknown API routes with a JSON 404", async () => {
    const response = await server.post("/api/nothing-here", { question: "x" });
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe("NOT_FOUND");
  });
});

describe("POST /api/search (hit testing)", () => {
  it("is admin-only: refused without the admin token (its results are tested in test/server/admin/admin-console.test.ts)", async () => {
    const response = await server.post("/api/search", { question: SEED_QUESTION, limit: 3 });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe("UNAUTHORIZED");
  });
});

describe("GET /kb/:sourceId", () => {
  it("shows the title, category, date and the text split into anchored chunks", async () => {
    const response = await fetch(`${server.url}/kb/${encodeURIComponent("000_9de61d0cf05b51f0.txt")}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    const source = server.bot.current.sources.get("000_9de61d0cf05b51f0.txt")!;
    expect(html).toContain(`<h1>${source.title}</h1>`);
    if (source.category) expect(html).toContain(source.category);
    if (source.date) expect(html).toContain(source.date);
    const chunkCount = server.bot.current.chunks.filter((chunk) => chunk.sourceId === source.sourceId).length;
    expect(chunkCount).toBeGreaterThan(1);
    for (let index = 0; index < chunkCount; index++) expect(html).toContain(`id="chunk-${index}"`);
    expect(html).toContain(".chunk:target");
    expect(html).toContain("家庭共济账户");
  });

  it("serves ids that contain # and / when they are percent-encoded", async () => {
    const sourceId = "000_9de61d0cf05b51f0.txt#related-4";
    const response = await fetch(`${server.url}/kb/${encodeURIComponent(sourceId)}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain("五指山");
    expect(html).toContain(server.bot.current.sources.get(sourceId)!.title);
  });

  it("answers an unknown id with an escaped 404 page", async () => {
    const response = await fetch(`${server.url}/kb/${encodeURIComponent('nope/<script>alert("x")</script>')}`);
    expect(response.status).toBe(404);
    const html = await response.text();
    expect(html).toContain("找不到这个来源");
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;");
  });
});
