/**
 * One vote per person on the web, over a real server and SQLite store. The server issues the voter
 * identity itself (a signed, HttpOnly, SameSite cookie); a made-up, altered or rotated cookie is
 * ignored and a new one issued; an answer takes votes only from the browser it was given to, so
 * neither rotating cookies nor fetching fresh ones from the server adds a vote; the asker's repeated
 * votes replace each other; and a cookie one server signed is good on another on the same store.
 * (Platform votes, keyed by the platform's user: test/telegram/feedback-buttons.test.ts and
 * test/wecom/native-feedback.test.ts.)
 */
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { startAdminTestServer, useAdminTestServer } from "../support/admin-server.js";

const context = useAdminTestServer();
const COOKIE = /^kb_voter=([A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43});/;

/** The voter cookie a response sets, as a Cookie header value, or undefined. */
function voterCookieOf(response: Response): string | undefined {
  const found = response.headers
    .getSetCookie()
    .map((line) => COOKIE.exec(line)?.[1])
    .find(Boolean);
  return found ? `kb_voter=${found}` : undefined;
}

async function browserCookie(url: string): Promise<string> {
  const page = await fetch(`${url}/`);
  const cookie = voterCookieOf(page);
  if (!cookie) throw new Error("the page set no voter cookie");
  return cookie;
}

async function ask(url: string, question: string, cookie?: string): Promise<string> {
  const response = await fetch(`${url}/api/ask`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ question }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { answerId: string }).answerId;
}

function vote(url: string, answerId: string, rating: "up" | "down", cookie?: string): Promise<Response> {
  return fetch(`${url}/api/feedback`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(cookie ? { cookie } : {}) },
    body: JSON.stringify({ answerId, rating }),
  });
}

async function votesOn(question: string): Promise<{ upvotes: number; downvotes: number }> {
  const group = (await context.server.store.listQuestions({ filter: "all", days: 1 })).find((entry) => entry.text === question);
  return { upvotes: group?.upvotes ?? 0, downvotes: group?.downvotes ?? 0 };
}

/** Cookies a client might make up: junk, the right shape with a wrong signature, a real id with another's signature. */
function forgedCookies(real: string, count: number): string[] {
  const [id, mac] = real.slice("kb_voter=".length).split(".");
  return Array.from({ length: count }, (_, index) => {
    if (index % 3 === 0) return `kb_voter=voter-${index}`;
    if (index % 3 === 1) return `kb_voter=${randomBytes(16).toString("base64url")}.${mac}`;
    return `kb_voter=${id}.${randomBytes(32).toString("base64url")}`;
  });
}

describe("the voter cookie", () => {
  it("is issued by the page: a random id with the server's signature, HttpOnly, SameSite, for a year", async () => {
    const page = await fetch(`${context.server.url}/`);
    const line = page.headers.getSetCookie().find((header) => header.startsWith("kb_voter="));
    expect(line).toMatch(COOKIE);
    expect(line).toContain("HttpOnly");
    expect(line).toContain("SameSite=Lax");
    expect(line).toContain("Path=/");
    expect(line).toContain("Max-Age=31536000");
    // A browser that has a valid one keeps it: no new cookie is set.
    const again = await fetch(`${context.server.url}/`, { headers: { cookie: voterCookieOf(page)! } });
    expect(voterCookieOf(again)).toBeUndefined();
  });
});

describe("one vote per person", () => {
  it("a client rotating made-up cookies casts one vote, not 55, and is issued a real cookie each time", async () => {
    const { url } = context.server;
    const question = "医保卡丢了怎么办";
    const answerId = await ask(url, question);
    const real = await browserCookie(url);
    for (const cookie of forgedCookies(real, 55)) {
      const response = await vote(url, answerId, "down", cookie);
      expect(response.status).toBe(200);
      expect(voterCookieOf(response)).toBeDefined();
    }
    expect(await votesOn(question)).toEqual({ upvotes: 0, downvotes: 1 });
  });

  it("cookies fetched anew from the server add no vote on an answer given to another browser", async () => {
    const { url } = context.server;
    const question = "门诊报销比例是多少";
    const asker = await browserCookie(url);
    const answerId = await ask(url, question, asker);
    const fresh = await Promise.all(Array.from({ length: 20 }, () => browserCookie(url)));
    expect(new Set(fresh).size).toBe(20);
    for (const cookie of fresh) expect((await vote(url, answerId, "down", cookie)).status).toBe(404);
    // Nor does leaving the cookie out, or forging the asker's.
    expect((await vote(url, answerId, "down")).status).toBe(404);
    for (const cookie of forgedCookies(asker, 6)) expect((await vote(url, answerId, "down", cookie)).status).toBe(404);
    expect(await votesOn(question)).toEqual({ upvotes: 0, downvotes: 0 });
  });

  it("the asker's repeated votes replace each other", async () => {
    const { url } = context.server;
    const question = "异地就医怎么备案";
    const asker = await browserCookie(url);
    const answerId = await ask(url, question, asker);
    for (const rating of ["up", "down", "up", "up", "down"] as const) expect((await vote(url, answerId, rating, asker)).status).toBe(200);
    expect(await votesOn(question)).toEqual({ upvotes: 0, downvotes: 1 });
  });

  it("a cookie one server signed is good on another server on the same store", async () => {
    const { url } = context.server;
    const question = "生育津贴怎么领";
    const asker = await browserCookie(url);
    const answerId = await ask(url, question, asker);
    const other = await startAdminTestServer(context.folders);
    try {
      const response = await vote(other.url, answerId, "down", asker);
      expect(response.status).toBe(200);
      expect(voterCookieOf(response)).toBeUndefined();
    } finally {
      await other.close();
    }
    expect(await votesOn(question)).toEqual({ upvotes: 0, downvotes: 1 });
  });
});
