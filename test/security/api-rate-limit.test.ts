/**
 * `/api/ask` and `/api/search` are limited per client address (RATE_LIMIT_PER_MINUTE): over the
 * limit a client gets 429 with Retry-After and the project's JSON error, while other addresses, the
 * pages and requests with the admin token carry on. Clients are told apart by the socket's source
 * address: requests leave from different loopback addresses (127.0.0.x) to the server on 127.0.0.1.
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "../server/support/test-server.js";

const LIMIT = 3;
const QUESTION = { question: "亲情账户和家庭共济账户有什么区别" };

let limited: TestServer;

beforeAll(async () => {
  limited = await startTestServer({ environment: { RATE_LIMIT_PER_MINUTE: String(LIMIT), ADMIN_TOKEN: TEST_ADMIN_TOKEN } });
});

afterAll(async () => {
  await limited?.close();
});

interface ReplyBody {
  error?: { code: string; message: string; hint: string };
  citations?: unknown[];
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: ReplyBody;
}

/** Sends a request from the given local (source) address. */
function requestFrom(
  server: TestServer,
  localAddress: string,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const url = new URL(route, server.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method, localAddress, agent: false, headers: { ...(payload ? { "content-type": "application/json" } : {}), ...headers } },
      (response) => {
        const parts: Buffer[] = [];
        response.on("data", (part: Buffer) => parts.push(part));
        response.on("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          const isJson = String(response.headers["content-type"]).startsWith("application/json");
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: isJson ? (JSON.parse(text) as ReplyBody) : {} });
        });
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

const ask = (server: TestServer, from: string, headers?: Record<string, string>) => requestFrom(server, from, "POST", "/api/ask", QUESTION, headers);
const search = (server: TestServer, from: string, headers?: Record<string, string>) => requestFrom(server, from, "POST", "/api/search", QUESTION, headers);

describe("API rate limit per client address", () => {
  it("answers 429 with Retry-After and RATE_LIMITED once an address is over the limit; /api/ask and /api/search share it", async () => {
    const client = "127.0.0.11";
    expect((await ask(limited, client)).status).toBe(200);
    // /api/search is admin-only: refused without a token, but the refusal still counts against the address.
    expect((await search(limited, client)).status).toBe(401);
    expect((await ask(limited, client)).status).toBe(200);

    for (const refused of [await ask(limited, client), await search(limited, client)]) {
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers["retry-after"]);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.body.error).toMatchObject({ code: "RATE_LIMITED" });
      expect(refused.body.error?.message).toMatch(/3 a minute/);
      expect(refused.body.error?.hint).toMatch(/Retry-After/);
    }
    // The pages are not limited, and the refused request is logged as such.
    expect((await requestFrom(limited, client, "GET", "/")).status).toBe(200);
    expect(limited.logLines).toContainEqual(expect.objectContaining({ path: "/api/ask", status: 429, rateLimited: true }));
  });

  it("does not affect another client address", async () => {
    const busy = "127.0.0.12";
    const other = "127.0.0.13";
    for (let count = 0; count < LIMIT; count++) expect((await search(limited, busy)).status).toBe(401);
    expect((await search(limited, busy)).status).toBe(429);

    const answered = await ask(limited, other);
    expect(answered.status).toBe(200);
    expect(answered.body.citations?.length).toBeGreaterThan(0);
    expect((await search(limited, busy)).status).toBe(429);
  });

  it("exempts requests with the valid admin token, and only those", async () => {
    const admin = "127.0.0.14";
    const adminHeader = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    for (let count = 0; count < LIMIT * 3; count++) expect((await search(limited, admin, adminHeader)).status).toBe(200);
    // Exempt requests did not use up the address's budget either.
    for (let count = 0; count < LIMIT; count++) expect((await search(limited, admin, { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await search(limited, admin, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(429);
    expect((await search(limited, admin)).status).toBe(429);
    expect((await ask(limited, admin, adminHeader)).status).toBe(200);
  });

  it("is off with RATE_LIMIT_PER_MINUTE=0", async () => {
    const open = await startTestServer({ environment: { RATE_LIMIT_PER_MINUTE: "0" } });
    try {
      // More than the default of 60 a minute, from one address.
      const statuses: number[] = [];
      for (let count = 0; count < 70; count++) statuses.push((await ask(open, "127.0.0.15")).status);
      expect(statuses).toEqual(statuses.map(() => 200));
    } finally {
      await open.close();
    }
  });
});
