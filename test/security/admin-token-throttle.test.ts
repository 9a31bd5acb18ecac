/**
 * The admin token cannot be guessed faster than the login form allows, whichever way it is sent:
 * `Authorization: Bearer` on /api/admin/*, /api/reindex, /api/search and /api/ask, or the login
 * form, all share one throttle per client address and one over all addresses, counted in the state
 * store. Past a budget the answer is 429 whether the token is right or not (nothing is learnt), yet
 * one address cannot lock the admin out: the right token from elsewhere still works. Console
 * sessions end when ADMIN_TOKEN changes. Clients are loopback addresses 127.0.0.x (support/request-from.ts).
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import {
  ADMIN_TEST_TOKEN,
  createAdminTestFolders,
  logInToConsole,
  startAdminTestServer,
  useAdminTestServer,
  type AdminTestServer,
} from "../support/admin-server.js";
import { requestFrom, type ReplyFrom } from "./support/request-from.js";

const RIGHT = { authorization: `Bearer ${ADMIN_TEST_TOKEN}` };
const wrong = (guess: number) => ({ authorization: `Bearer guess-${String(guess).padStart(6, "0")}-0123456789` });
const QUESTION = { question: "亲情账户和家庭共济账户有什么区别" };

function stats(server: AdminTestServer, from: string, headers: Record<string, string>): Promise<ReplyFrom> {
  return requestFrom(server.url, from, "GET", "/api/admin/stats", undefined, headers);
}

function loginForm(server: AdminTestServer, from: string, token: string): Promise<ReplyFrom> {
  return requestFrom(server.url, from, "POST", "/admin/login", new URLSearchParams({ token }).toString(), { origin: server.url });
}

function expectThrottled(reply: ReplyFrom): void {
  expect(reply.status).toBe(429);
  const retryAfter = Number(reply.headers["retry-after"]);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe("with the default budgets (5 a minute per address, 30 over all)", () => {
  const context = useAdminTestServer();

  it("checks 5 wrong Bearer tokens from one address, then answers 429 to every further one without checking it", async () => {
    const { server } = context;
    const statuses: number[] = [];
    for (let guess = 0; guess < 20; guess++) {
      const reply = await stats(server, "127.0.0.21", wrong(guess));
      statuses.push(reply.status);
      if (reply.status === 429) {
        expectThrottled(reply);
        expect(reply.json?.error?.code).toBe("ADMIN_TOKEN_THROTTLED");
      }
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    // The right token from the throttled address is not checked either: the answer is the same 429.
    expectThrottled(await stats(server, "127.0.0.21", RIGHT));
    expect(server.logLines.some((line) => line.adminTokenCheck === "throttled")).toBe(true);
  });

  it("still lets the right token in from another address while that one is refused", async () => {
    const { server } = context;
    expectThrottled(await stats(server, "127.0.0.21", wrong(99)));
    expect((await stats(server, "127.0.0.22", RIGHT)).status).toBe(200);
    expect((await requestFrom(server.url, "127.0.0.22", "POST", "/api/search", QUESTION, RIGHT)).status).toBe(200);
    expect((await requestFrom(server.url, "127.0.0.22", "POST", "/api/reindex", { dryRun: true }, RIGHT)).status).toBe(200);
    // The right token does not use up its address's budget: many requests later, still in.
    for (let request = 0; request < 12; request++) expect((await stats(server, "127.0.0.22", RIGHT)).status).toBe(200);
  });

  it("gives a burst of 60 parallel guesses from one address 5 checks, not 60", async () => {
    const { server } = context;
    const replies = await Promise.all(Array.from({ length: 60 }, (_, guess) => stats(server, "127.0.0.23", wrong(1000 + guess))));
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(55);
  });

  it("shares one budget between the API routes and the login form", async () => {
    const { server } = context;
    const from = "127.0.0.24";
    expect((await requestFrom(server.url, from, "POST", "/api/search", QUESTION, wrong(1))).status).toBe(401);
    expect((await requestFrom(server.url, from, "POST", "/api/search", QUESTION, wrong(2))).status).toBe(401);
    expect((await requestFrom(server.url, from, "POST", "/api/reindex", { dryRun: true }, wrong(3))).status).toBe(401);
    // A wrong token on /api/ask is a guess too; the question is still answered as anyone's.
    expect((await requestFrom(server.url, from, "POST", "/api/ask", QUESTION, wrong(4))).status).toBe(200);
    expect((await loginForm(server, from, "guess-5-0123456789")).status).toBe(401);
    expectThrottled(await requestFrom(server.url, from, "GET", "/api/admin/questions", undefined, wrong(6)));
    expectThrottled(await requestFrom(server.url, from, "POST", "/api/ask", QUESTION, RIGHT));
    const login = await loginForm(server, from, ADMIN_TEST_TOKEN);
    expectThrottled(login);
    expect(login.headers["set-cookie"]).toBeUndefined();
  });

  it("is shared through the state store by every server on it", async () => {
    const { folders, server: first } = context;
    const second = await startAdminTestServer(folders);
    try {
      const from = "127.0.0.26";
      for (let guess = 0; guess < 3; guess++) expect((await stats(first, from, wrong(guess))).status).toBe(401);
      for (let guess = 3; guess < 5; guess++) expect((await stats(second, from, wrong(guess))).status).toBe(401);
      expectThrottled(await stats(first, from, RIGHT));
      expectThrottled(await stats(second, from, RIGHT));
    } finally {
      await second.close();
    }
  });
});

describe("over all addresses", () => {
  const context = useAdminTestServer({ ADMIN_TOKEN_TRIES_PER_MINUTE: "2", ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL: "5" });

  it("checks at most the overall budget of guesses spread over many addresses; an address the right token came from keeps its own", async () => {
    const { server } = context;
    // The admin's usual address: the right token has come from it before.
    expect((await stats(server, "127.0.0.41", RIGHT)).status).toBe(200);
    const statuses: number[] = [];
    for (let address = 50; address < 60; address++) {
      for (let guess = 0; guess < 2; guess++) statuses.push((await stats(server, `127.0.0.${address}`, wrong(address * 10 + guess))).status);
    }
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
    // A new address is not checked now, even with the right token ...
    expectThrottled(await stats(server, "127.0.0.61", RIGHT));
    // ... but the admin's own address still is: the right token works, a wrong one is checked and counted.
    expect((await stats(server, "127.0.0.41", RIGHT)).status).toBe(200);
    expect((await stats(server, "127.0.0.41", wrong(1))).status).toBe(401);
  });

  it("must be larger than the budget of one address, so one address can never use it up", () => {
    expect(() => loadConfig({ ADMIN_TOKEN_TRIES_PER_MINUTE: "5", ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL: "5" })).toThrow(/ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL/);
  });
});

describe("console sessions", () => {
  it("end when ADMIN_TOKEN changes", async () => {
    const folders = await createAdminTestFolders();
    try {
      const before = await startAdminTestServer(folders);
      const session = await logInToConsole(before.url);
      expect((await fetch(`${before.url}/admin`, { redirect: "manual", headers: { cookie: session.cookie } })).status).toBe(200);
      await before.close();

      const after = await startAdminTestServer(folders, { ADMIN_TOKEN: "a-new-admin-token-0123456789" });
      try {
        const page = await fetch(`${after.url}/admin`, { redirect: "manual", headers: { cookie: session.cookie } });
        expect(page.status).toBe(303);
        expect(page.headers.get("location")).toBe("/admin/login");
        expect((await fetch(`${after.url}/api/admin/stats`, { headers: { cookie: session.cookie } })).status).toBe(401);
      } finally {
        await after.close();
      }
    } finally {
      await folders.remove();
    }
  });
});
