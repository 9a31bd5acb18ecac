/**
 * The admin loop over the real wiring (startBot on a temporary knowledge, index and data folder):
 * questions are logged masked and grouped, feedback is one changeable vote, the admin API refuses
 * anyone without the token, an admin answer goes live, and a restart keeps the log, votes and answer.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot, type RunningBot } from "../../src/main.js";
import { csrfTokenFor } from "../../src/server/admin/csrf.js";
import { ADMIN_SESSION_COOKIE, sessionKey } from "../../src/server/admin-request.js";
import { botEnvironment, copySeedKnowledge, TEST_ADMIN_TOKEN } from "./support/test-server.js";

const UNANSWERED = "宝宝湿疹怎么护理";
const PHONE = "13812345678";

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let running: RunningBot | undefined;
let baseUrl: string;

function environment(): NodeJS.ProcessEnv {
  return {
    ...botEnvironment({ knowledgeDir: knowledge.knowledgeDir, indexDir: path.join(root, "index"), dataDir: path.join(root, "data") }),
    // The refusals below present wrong tokens from the address the admin's requests come from too:
    // room for them, so the throttle (test/security/admin-token-throttle.test.ts) does not refuse the admin.
    ADMIN_TOKEN_TRIES_PER_MINUTE: "20",
    ADMIN_TOKEN_TRIES_PER_MINUTE_TOTAL: "40",
  };
}

async function start(): Promise<void> {
  running = await startBot({ environment: environment(), handleSignals: false });
  baseUrl = running.url;
}

const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

function post(route: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${route}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

async function ask(question: string): Promise<{ answerId: string; noAnswer: boolean; citations: { sourceId: string }[] }> {
  const response = await post("/api/ask", { question });
  expect(response.status).toBe(200);
  return response.json();
}

async function queue(filter: string): Promise<{ text: string; count: number; noAnswer: boolean; upvotes: number; downvotes: number; platforms: string[] }[]> {
  const response = await fetch(`${baseUrl}/api/admin/questions?filter=${filter}&days=7`, { headers: admin });
  expect(response.status).toBe(200);
  return (await response.json()).questions;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-admin-loop-"));
  knowledge = await copySeedKnowledge();
  await start();
});

afterAll(async () => {
  await running?.stop();
  await knowledge?.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe("admin routes without the admin token", () => {
  const routes: [string, string, unknown?][] = [
    ["GET", "/api/admin/questions"],
    ["GET", "/api/admin/questions?filter=unanswered&days=7"],
    ["GET", "/api/admin/questions.csv"],
    ["GET", "/api/admin/stats?days=7"],
    ["POST", "/api/admin/answers", { question: "x", answer: "y" }],
  ];
  for (const [method, route, body] of routes) {
    it(`${method} ${route} is 401 with no token, a wrong token or a made-up session cookie`, async () => {
      const refused: Record<string, string>[] = [{}, { authorization: "Bearer wrong-token-wrong-token" }, { cookie: `${ADMIN_SESSION_COOKIE}=made-up` }];
      for (const headers of refused) {
        const response = await fetch(`${baseUrl}${route}`, {
          method,
          headers: { "content-type": "application/json", ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        expect(response.status).toBe(401);
        expect((await response.json()).error.code).toBe("UNAUTHORIZED");
      }
    });
  }

  it("a live console session in the store is let in; its changes also need the CSRF token and this origin", async () => {
    await running!.store.createAdminSession(sessionKey("a-live-session-token", TEST_ADMIN_TOKEN), { createdAt: Date.now(), expiresAt: Date.now() + 60_000 });
    const cookie = `${ADMIN_SESSION_COOKIE}=a-live-session-token`;
    expect((await fetch(`${baseUrl}/api/admin/stats`, { headers: { cookie } })).status).toBe(200);
    const change = (headers: Record<string, string>) => post("/api/admin/answers", { question: "", answer: "" }, { cookie, ...headers });
    expect((await change({})).status).toBe(401);
    const csrf = { "x-csrf-token": csrfTokenFor("a-live-session-token") };
    expect((await change({ ...csrf, origin: "https://elsewhere.example" })).status).toBe(401);
    // Past the guard, the empty question is refused on its own terms.
    expect((await change(csrf)).status).toBe(400);
  });
});

describe("the loop", () => {
  let firstAnswerId: string;

  it("logs questions masked and groups wordings into one queue entry with its count", async () => {
    const first = await ask(UNANSWERED);
    expect(first.noAnswer).toBe(true);
    expect(first.answerId).toMatch(/^[0-9a-f-]{36}$/);
    firstAnswerId = first.answerId;
    await ask(`${UNANSWERED}？`);
    await ask(`我的电话是${PHONE}，${UNANSWERED}`);
    const unanswered = await queue("unanswered");
    const entry = unanswered.find((question) => question.text === `${UNANSWERED}？`);
    expect(entry).toMatchObject({ count: 2, noAnswer: true, platforms: ["web"] });
    expect(unanswered.some((question) => question.text.includes(PHONE))).toBe(false);
    expect(unanswered.some((question) => question.text.includes("电话"))).toBe(true);
    // Nothing on disk holds the raw phone number: not the database, not its write-ahead log.
    const dataDir = path.join(root, "data");
    for (const file of await readdir(dataDir)) {
      expect((await readFile(path.join(dataDir, file))).includes(Buffer.from(PHONE)), file).toBe(false);
    }
  });

  it("feedback: 404 for an unknown answer, 400 for a bad rating, one changeable vote per person", async () => {
    expect((await post("/api/feedback", { answerId: "0e2c1a77-0000-4000-8000-000000000000", rating: "up" })).status).toBe(404);
    const bad = await post("/api/feedback", { answerId: firstAnswerId, rating: "meh" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("FEEDBACK_INVALID");
    expect((await post("/api/feedback", { answerId: 7, rating: "up" })).status).toBe(400);
    expect((await fetch(`${baseUrl}/api/feedback`, { method: "POST", body: "not json" })).status).toBe(400);
    expect((await post("/api/feedback", { answerId: firstAnswerId, rating: "up" })).status).toBe(200);
    expect((await post("/api/feedback", { answerId: firstAnswerId, rating: "down", comment: "没有答案" })).status).toBe(200);
    const downvoted = await queue("downvoted");
    expect(downvoted).toHaveLength(1);
    expect(downvoted[0]).toMatchObject({ text: `${UNANSWERED}？`, upvotes: 0, downvotes: 1 });
  });

  it("exports the queue as CSV and reports the stats", async () => {
    const csv = await fetch(`${baseUrl}/api/admin/questions.csv?filter=unanswered`, { headers: admin });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text())
      .replace(/^\uFEFF/, "")
      .trim()
      .split("\r\n");
    expect(lines[0]).toBe("text,count,lastAskedAt,platforms,noAnswer,upvotes,downvotes,topSource");
    expect(lines.find((line) => line.startsWith(`${UNANSWERED}？,2,`))).toMatch(/,web,true,0,1,$/);
    const stats = await (await fetch(`${baseUrl}/api/admin/stats?days=7`, { headers: admin })).json();
    expect(stats).toMatchObject({ asked: 3, answered: 0, answeredShare: 0, upvotes: 0, downvotes: 1 });
    expect(stats.days).toHaveLength(1);
    expect(stats.topUnanswered[0].text).toBe(`${UNANSWERED}？`);
    expect((await fetch(`${baseUrl}/api/admin/questions?filter=bogus`, { headers: admin })).status).toBe(400);
    expect((await fetch(`${baseUrl}/api/admin/stats?days=0`, { headers: admin })).status).toBe(400);
  });

  it("an admin answer is written to the knowledge folder, re-indexed, and from then on answers the question citing it", async () => {
    expect((await post("/api/admin/answers", { question: "", answer: "x" }, admin)).status).toBe(400);
    const response = await post(
      "/api/admin/answers",
      {
        question: UNANSWERED,
        answer: "宝宝湿疹护理要点：保持皮肤清洁湿润，洗澡水温不宜过高，洗后及时涂抹保湿霜，衣物选择纯棉透气的，严重时请就医。",
        category: "育儿",
      },
      admin,
    );
    expect(response.status).toBe(201);
    const { sourceId } = await response.json();
    expect(sourceId).toMatch(/^admin-answer-\d{8}-[0-9a-f]{8}$/);
    const file = await readFile(path.join(knowledge.knowledgeDir, "admin-answers.jsonl"), "utf8");
    expect(JSON.parse(file.trim().split("\n").at(-1)!)).toMatchObject({ id: sourceId, question: UNANSWERED, category: "育儿" });
    const answered = await ask(`${UNANSWERED}？`);
    expect(answered.noAnswer).toBe(false);
    expect(answered.citations[0]!.sourceId).toBe(sourceId);
    // Asked again and answered, it leaves the unanswered queue.
    expect((await queue("unanswered")).some((question) => question.text === `${UNANSWERED}？`)).toBe(false);
  });

  it("a restart on the same folders keeps the log, the votes and the answer", async () => {
    await running!.stop();
    running = undefined;
    await start();
    const all = await queue("all");
    expect(all.find((question) => question.text === `${UNANSWERED}？`)).toMatchObject({ count: 3, downvotes: 1, noAnswer: false });
    // The vote is still the same person's one vote: changing it back does not add a second.
    expect((await post("/api/feedback", { answerId: firstAnswerId, rating: "up" })).status).toBe(200);
    expect((await queue("all")).find((question) => question.text === `${UNANSWERED}？`)).toMatchObject({ upvotes: 1, downvotes: 0 });
    const again = await ask(UNANSWERED);
    expect(again.noAnswer).toBe(false);
    expect(again.citations[0]!.sourceId).toMatch(/^admin-answer-/);
  });
});
