/**
 * The admin console over a real server and SQLite store: login and logout, the cookie's flags,
 * CSRF refusals, the wrong-token throttle, every console route and /api/search refused without
 * a session or token, and uploads (name sanitising, size cap, nothing outside the folder) and deletes.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_SESSION_COOKIE } from "../../../src/server/admin-request.js";
import {
  ADMIN_TEST_TOKEN,
  type AdminTestFolders,
  type AdminTestServer,
  createAdminTestFolders,
  logInToConsole,
  startAdminTestServer,
} from "../../support/admin-server.js";

const MAX_UPLOAD_BYTES = 4096;

let folders: AdminTestFolders;
let server: AdminTestServer;

beforeAll(async () => {
  folders = await createAdminTestFolders();
  server = await startAdminTestServer(folders, { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
});

afterAll(async () => {
  await server?.close();
  await folders?.remove();
});

const PAGES = ["/admin", "/admin/queue", "/admin/hit-testing", "/admin/documents", "/admin/documents/reindex-status", "/admin/assets/uplot.iife.min.js"];
const POSTS = ["/admin/documents/upload", "/admin/documents/delete", "/admin/documents/reindex", "/admin/queue/preview"];

function form(fields: Record<string, string>, headers: Record<string, string>): RequestInit {
  return {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
  };
}

const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";

function searchAsAdmin(body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/search`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TEST_TOKEN}` },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

function upload(session: { cookie: string; csrf: string }, name: string, bytes: Uint8Array<ArrayBuffer> | string): Promise<Response> {
  const body = new FormData();
  body.set("csrf", session.csrf);
  body.set("file", new Blob([bytes]), name);
  return fetch(`${server.url}/admin/documents/upload`, { method: "POST", headers: { cookie: session.cookie, origin: server.url }, body });
}

describe("without a session", () => {
  it("sends every console page to the login page and refuses every console POST", async () => {
    for (const route of PAGES) {
      const response = await fetch(`${server.url}${route}`, { redirect: "manual" });
      expect(response.status, route).toBe(303);
      expect(response.headers.get("location"), route).toBe("/admin/login");
    }
    for (const route of POSTS) {
      const response = await fetch(`${server.url}${route}`, form({}, { origin: server.url }));
      expect(response.status, route).toBe(401);
    }
    // A made-up session cookie is no session.
    const forged = await fetch(`${server.url}/admin`, { redirect: "manual", headers: { cookie: `${ADMIN_SESSION_COOKIE}=made-up` } });
    expect(forged.status).toBe(303);
  });

  it("refuses /api/search without the admin token or a session, and answers it with the token", async () => {
    const body = JSON.stringify({ question: "亲情账户和家庭共济账户有什么区别", limit: 2 });
    const refused = await fetch(`${server.url}/api/search`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe("UNAUTHORIZED");
    const allowed = await fetch(`${server.url}/api/search`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TEST_TOKEN}` },
      body,
    });
    expect(allowed.status).toBe(200);
    expect((await allowed.json()).hits.length).toBeGreaterThan(0);
  });

  it("shows the login page with a strict CSP and no public hit testing on /", async () => {
    const login = await fetch(`${server.url}/admin/login`);
    expect(login.status).toBe(200);
    expect(login.headers.get("content-security-policy")).toMatch(/script-src 'nonce-[^']+'; /);
    expect(login.headers.get("content-security-policy")).not.toContain("unsafe-eval");
    expect(await login.text()).toContain('name="token"');
    const publicPage = await (await fetch(`${server.url}/`)).text();
    expect(publicPage).not.toContain("命中测试");
    expect(publicPage).not.toContain("/api/search");
  });
});

describe("POST /api/search (hit testing) with the admin token", () => {
  it("returns ranked hits with passages, scores and the no-answer confidence", async () => {
    const response = await searchAsAdmin({ question: SEED_QUESTION, limit: 3 });
    expect(response.status).toBe(200);
    const result = await response.json();
    expect(result.noAnswer).toBe(false);
    expect(result.confidence.keywordCoverage).toBeGreaterThan(0);
    expect(result.confidence.denseSimilarity).toBeGreaterThan(0);
    expect(result.hits).toHaveLength(3);
    const scores = result.hits.map((hit: { score: number }) => hit.score);
    expect([...scores].sort((left, right) => right - left)).toEqual(scores);
    expect(result.hits[0].sourceId).toBe("000_9de61d0cf05b51f0.txt");
    expect(result.hits[0].passages[0].text.length).toBeGreaterThan(20);
    expect(typeof result.hits[0].passages[0].score).toBe("number");
  });

  it("reports no-answer for an off-topic question and validates input like /api/ask", async () => {
    const result = await (await searchAsAdmin({ question: "量子色动力学的渐近自由是什么" })).json();
    expect(result.noAnswer).toBe(true);
    expect((await searchAsAdmin("{")).status).toBe(400);
    expect((await searchAsAdmin({ question: "" })).status).toBe(400);
  });
});

describe("login and logout", () => {
  it("refuses a wrong token and sets an HttpOnly, SameSite=Strict session cookie for the right one", async () => {
    const wrong = await fetch(`${server.url}/admin/login`, form({ token: "not-the-token" }, { origin: server.url }));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();

    const right = await fetch(`${server.url}/admin/login`, form({ token: ADMIN_TEST_TOKEN }, { origin: server.url }));
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/admin");
    const setCookie = right.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(new RegExp(`^${ADMIN_SESSION_COOKIE}=[A-Za-z0-9_-]{40,};`));
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).toContain("Path=/");
    // Served over http here: a Secure cookie would never come back.
    expect(setCookie).not.toContain("Secure");
    const sessionToken = setCookie.split(";")[0].split("=")[1];
    expect(await server.store.findAdminSession(sessionToken)).toBeDefined();

    const cookie = setCookie.split(";")[0];
    for (const route of PAGES) expect((await fetch(`${server.url}${route}`, { headers: { cookie } })).status, route).toBe(200);
  });

  it("sets a Secure cookie when the public address is https", async () => {
    const httpsFolders = await createAdminTestFolders();
    const httpsServer = await startAdminTestServer(httpsFolders, { PUBLIC_BASE_URL: "https://kb.example.org" });
    try {
      const response = await fetch(`${httpsServer.url}/admin/login`, form({ token: ADMIN_TEST_TOKEN }, {}));
      expect(response.status).toBe(303);
      expect(response.headers.get("set-cookie")).toContain("Secure");
    } finally {
      await httpsServer.close();
      await httpsFolders.remove();
    }
  });

  it("logs out: the session is deleted from the store and the cookie no longer opens pages", async () => {
    const session = await logInToConsole(server.url);
    const sessionToken = session.cookie.split("=")[1];
    const noToken = await fetch(`${server.url}/admin/logout`, form({}, { cookie: session.cookie, origin: server.url }));
    expect(noToken.status).toBe(403);
    expect(await server.store.findAdminSession(sessionToken)).toBeDefined();

    const out = await fetch(`${server.url}/admin/logout`, form({ csrf: session.csrf }, { cookie: session.cookie, origin: server.url }));
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/admin/login");
    expect(await server.store.findAdminSession(sessionToken)).toBeUndefined();
    expect((await fetch(`${server.url}/admin`, { redirect: "manual", headers: { cookie: session.cookie } })).status).toBe(303);
  });
});

describe("CSRF", () => {
  it("refuses a console POST without the session's token, with another's, or from another origin", async () => {
    const session = await logInToConsole(server.url);
    const other = await logInToConsole(server.url);
    const route = `${server.url}/admin/documents/reindex`;
    expect((await fetch(route, { method: "POST", headers: { cookie: session.cookie, origin: server.url } })).status).toBe(403);
    expect((await fetch(route, { method: "POST", headers: { cookie: session.cookie, origin: server.url, "x-csrf-token": other.csrf } })).status).toBe(403);
    expect(
      (await fetch(route, { method: "POST", headers: { cookie: session.cookie, origin: "https://evil.example", "x-csrf-token": session.csrf } })).status,
    ).toBe(403);
    const accepted = await fetch(route, { method: "POST", headers: { cookie: session.cookie, origin: server.url, "x-csrf-token": session.csrf } });
    expect(accepted.status).toBe(200);
  });

  it("refuses a cookie-authenticated admin API POST without the CSRF header, accepts it with one", async () => {
    const session = await logInToConsole(server.url);
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/api/search`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie: session.cookie, origin: server.url, ...headers },
        body: JSON.stringify({ question: "家庭共济" }),
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ "x-csrf-token": session.csrf, origin: "https://evil.example" })).status).toBe(401);
    expect((await post({ "x-csrf-token": session.csrf })).status).toBe(200);
    const login = await fetch(`${server.url}/admin/login`, form({ token: ADMIN_TEST_TOKEN }, { origin: "https://evil.example" }));
    expect(login.status).toBe(400);
    expect(login.headers.get("set-cookie")).toBeNull();
  });
});

describe("uploads and deletes", () => {
  it("writes an upload under its sanitised name inside the knowledge folder and indexes it", async () => {
    const session = await logInToConsole(server.url);
    const response = await upload(
      session,
      "..\\..\\outside\\../<医保>问答.md",
      "# 上传测试\n\n上传的医保问答文件里写着：门诊慢特病的备案在社区服务中心办理。\n",
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("医保问答.md");
    expect(await readFile(path.join(folders.knowledgeDir, "医保问答.md"), "utf8")).toContain("门诊慢特病");
    expect(existsSync(path.join(folders.root, "outside"))).toBe(false);
    await expect
      .poll(async () => (await (await fetch(`${server.url}/admin/documents/reindex-status`, { headers: { cookie: session.cookie } })).json()).running, {
        // A loaded machine takes seconds to re-index; the wait is a bound, not an assertion on time.
        timeout: 60_000,
      })
      .toBeUndefined();
    expect([...server.bot.current.sources.values()].some((source) => source.file === "医保问答.md")).toBe(true);
  });

  it("refuses a file over MAX_UPLOAD_BYTES, an unsupported type, a name with nothing left and an existing name", async () => {
    const session = await logInToConsole(server.url);
    const over = await upload(session, "big.md", "字".repeat(MAX_UPLOAD_BYTES));
    expect(over.status).toBe(400);
    expect(await over.text()).toContain("MAX_UPLOAD_BYTES");
    expect(existsSync(path.join(folders.knowledgeDir, "big.md"))).toBe(false);
    // Far over the limit: refused by the body limit before the form is read.
    expect((await upload(session, "huge.md", new Uint8Array(200 * 1024))).status).toBe(413);
    expect((await upload(session, "tool.exe", "MZ")).status).toBe(400);
    expect((await upload(session, "../..", "x")).status).toBe(400);
    await writeFile(path.join(folders.knowledgeDir, "kept.md"), "# 原来的\n\n原来的内容。\n");
    expect((await upload(session, "kept.md", "# 新的\n\n新的内容。\n")).status).toBe(400);
    expect(await readFile(path.join(folders.knowledgeDir, "kept.md"), "utf8")).toContain("原来的内容");
  });

  it("deletes a file inside the knowledge folder and nothing outside it", async () => {
    const session = await logInToConsole(server.url);
    const outside = path.join(folders.root, "outside.md");
    await writeFile(outside, "# 外面\n\n不能删。\n");
    await writeFile(path.join(folders.knowledgeDir, "to-delete.md"), "# 要删\n\n要删除的内容。\n");
    const remove = (file: string) =>
      fetch(`${server.url}/admin/documents/delete`, form({ csrf: session.csrf, file }, { cookie: session.cookie, origin: server.url }));
    expect((await remove("../outside.md")).status).toBe(400);
    expect((await remove(outside)).status).toBe(400);
    expect(existsSync(outside)).toBe(true);
    expect((await remove("to-delete.md")).status).toBe(200);
    expect(existsSync(path.join(folders.knowledgeDir, "to-delete.md"))).toBe(false);
    expect((await remove("to-delete.md")).status).toBe(400);
  });
});

describe("the login throttle", () => {
  it("refuses even the right token after 5 wrong tries in a minute from one address", async () => {
    const throttledFolders = await createAdminTestFolders();
    const throttled = await startAdminTestServer(throttledFolders);
    try {
      for (let attempt = 1; attempt <= 5; attempt++) {
        expect((await fetch(`${throttled.url}/admin/login`, form({ token: `wrong-${attempt}` }, {}))).status).toBe(401);
      }
      const refused = await fetch(`${throttled.url}/admin/login`, form({ token: ADMIN_TEST_TOKEN }, {}));
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused.headers.get("set-cookie")).toBeNull();
    } finally {
      await throttled.close();
      await throttledFolders.remove();
    }
  });
});

describe("the login throttle across replicas", () => {
  it("is shared through the state store: wrong tries on one server count on another on the same store", async () => {
    const sharedFolders = await createAdminTestFolders();
    const first = await startAdminTestServer(sharedFolders);
    const second = await startAdminTestServer(sharedFolders);
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        expect((await fetch(`${first.url}/admin/login`, form({ token: `wrong-${attempt}` }, {}))).status).toBe(401);
      }
      for (let attempt = 4; attempt <= 5; attempt++) {
        expect((await fetch(`${second.url}/admin/login`, form({ token: `wrong-${attempt}` }, {}))).status).toBe(401);
      }
      // Five wrong tries in all: both servers now refuse even the right token from this address.
      for (const replica of [first, second]) {
        const refused = await fetch(`${replica.url}/admin/login`, form({ token: ADMIN_TEST_TOKEN }, {}));
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      }
      expect(await first.store.peekHits("admin-login", "127.0.0.1")).toMatchObject({ count: 5 });
    } finally {
      await first.close();
      await second.close();
      await sharedFolders.remove();
    }
  });
});

describe("re-index history", () => {
  it("is kept in the state store: a restart on the same DATA_DIR still lists the run, its reason and its problems", async () => {
    await writeFile(path.join(folders.knowledgeDir, "broken-faq.jsonl"), '{"question": "没有答案的一行"}\n');
    const session = await logInToConsole(server.url);
    const started = await fetch(`${server.url}/admin/documents/reindex`, {
      method: "POST",
      headers: { cookie: session.cookie, origin: server.url, "x-csrf-token": session.csrf },
    });
    expect(started.status).toBe(200);
    const status = async (url: string, cookie: string) =>
      (await (await fetch(`${url}/admin/documents/reindex-status`, { headers: { cookie } })).json()) as {
        running?: unknown;
        history: { ok: boolean; reason?: string; summary?: { errors: { file: string; code: string }[] } }[];
      };
    await expect.poll(async () => (await status(server.url, session.cookie)).running, { timeout: 60_000 }).toBeUndefined();
    const run = (await status(server.url, session.cookie)).history[0];
    expect(run).toMatchObject({ ok: true, reason: "手动重新索引" });
    expect(run!.summary!.errors).toContainEqual(expect.objectContaining({ file: "broken-faq.jsonl", code: "SOURCE_MALFORMED" }));
    const before = (await status(server.url, session.cookie)).history.length;

    await server.close();
    server = await startAdminTestServer(folders, { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    const again = await logInToConsole(server.url);
    const after = await status(server.url, again.cookie);
    expect(after.history).toHaveLength(before);
    expect(after.history[0]).toEqual(run);
    // The documents page takes the last run's problems from the stored history too.
    const page = await (await fetch(`${server.url}/admin/documents`, { headers: { cookie: again.cookie } })).text();
    expect(page).toContain("索引历史<");
    // Durations are shown in human units by the page script, never as raw milliseconds.
    expect(page).toContain("humanDuration(run.summary.durationMs)");
    expect(page).not.toContain('" ms"');
    expect(page).toMatch(/broken-faq\.jsonl<\/td><td>\d+<\/td><td>\d+ KB<\/td><td class="problem break">SOURCE_MALFORMED/);
  });
});
