/**
 * The running server switches to a new index without a restart and without failing a query:
 * re-indexed over HTTP while ~50 questions are in flight, and re-indexed by the `kb` CLI in another
 * process, which the server notices by watching CURRENT.
 */
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { copySeedKnowledge, pathOf, startTestServer, TEST_ADMIN_TOKEN, type TestServer } from "./support/test-server.js";

const run = promisify(execFile);
const SEED_QUESTION = "亲情账户和家庭共济账户有什么区别";
const GEOGRAPHY_QUESTION = "五指山在哪个省";
const MARS_QUESTION = "火星基地什么时候开放参观";
const LIBRARY_QUESTION = "月球图书馆的借书期限是多久";

const marsPage = `---
title: 火星基地开放参观时间
category: 参观指南
date: 2025-04-01
---
# 火星基地开放参观时间

火星基地每周二和周四上午九点到下午五点开放参观，参观需要提前三天在官网预约，每次参观限二十人。
`;
const libraryPage = `---
title: 月球图书馆借书期限
category: 图书馆
---
月球图书馆的借书期限是四十五天，到期前可以在自助机上续借一次，续借期限为十五天。
`;

let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let server: TestServer;
const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

async function ask(question: string) {
  const response = await server.post("/api/ask", { question });
  return { status: response.status, body: await response.json() };
}

/** Questions fired one after another at a short interval, until `until` settles. */
async function askWhile(until: Promise<unknown>, minimum: number) {
  let settled = false;
  void until.finally(() => (settled = true)).catch(() => undefined);
  const questions = [SEED_QUESTION, GEOGRAPHY_QUESTION, MARS_QUESTION];
  const pending: Promise<{ status: number; body: { noAnswer: boolean; disclaimer: boolean } }>[] = [];
  while (!settled || pending.length < minimum) {
    pending.push(ask(questions[pending.length % questions.length]));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return Promise.all(pending);
}

beforeAll(async () => {
  knowledge = await copySeedKnowledge();
  server = await startTestServer({ knowledgeDir: knowledge.knowledgeDir, environment: { ADMIN_TOKEN: TEST_ADMIN_TOKEN }, indexPollMs: 100 });
});

afterAll(async () => {
  await server?.close();
  await knowledge?.cleanup();
});

describe("hot index switch", () => {
  it("re-indexes over HTTP while 50+ questions are in flight; all succeed and new content is served", async () => {
    const before = await ask(MARS_QUESTION);
    expect(before.body.noAnswer).toBe(true);
    const versionBefore = server.bot.current.version;

    await mkdir(path.join(knowledge.knowledgeDir, "guides"), { recursive: true });
    await writeFile(path.join(knowledge.knowledgeDir, "guides", "mars-base.md"), marsPage);

    const reindex = server.post("/api/reindex", {}, auth);
    const answers = await askWhile(reindex, 50);
    const reindexResponse = await reindex;
    expect(reindexResponse.status).toBe(200);
    const summary = await reindexResponse.json();
    expect(summary.added).toEqual(["guides/mars-base.md"]);

    expect(answers.length).toBeGreaterThanOrEqual(50);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    // The seed and geography questions have answers in every version.
    for (const [position, answer] of answers.entries()) {
      if (position % 3 !== 2) expect(answer.body.noAnswer, `answer ${position}`).toBe(false);
    }

    expect(server.bot.current.version).not.toBe(versionBefore);
    expect(server.bot.current.version).toBe(summary.version);
    const after = await ask(MARS_QUESTION);
    expect(after.status).toBe(200);
    expect(after.body.noAnswer).toBe(false);
    expect(after.body.text).toContain("提前三天");
    expect(after.body.citations[0].sourceId).toBe("guides/mars-base.md");
    const page = await fetch(`${server.url}${pathOf(after.body.citations[0].url)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("火星基地开放参观时间");
  });

  it("notices a `kb reindex` run by another process and serves its version, queries never failing", async () => {
    const versionBefore = server.bot.current.version;
    expect((await ask(LIBRARY_QUESTION)).body.noAnswer).toBe(true);
    await writeFile(path.join(knowledge.knowledgeDir, "library.md"), libraryPage);

    const cli = run(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        "import { runCli } from './src/cli.ts'; process.exitCode = await runCli(process.argv.slice(1));",
        "reindex",
        "--knowledge",
        knowledge.knowledgeDir,
        "--index",
        server.indexDir,
        "--json",
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, LOG_LEVEL: "silent" }, timeout: 60_000 },
    );
    const switched = cli.then(async () => {
      const deadline = Date.now() + 10_000;
      while (server.bot.current.version === versionBefore && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    });
    const answers = await askWhile(switched, 30);
    const { stdout } = await cli;
    const summary = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(summary.added).toEqual(["library.md"]);

    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(server.bot.current.version).toBe(summary.version);
    const after = await ask(LIBRARY_QUESTION);
    expect(after.body.noAnswer).toBe(false);
    expect(after.body.text).toContain("四十五天");
    expect(server.logLines.some((line) => line.msg === "index changed on disk; now serving the new version" && line.to === summary.version)).toBe(true);
  });

  it("keeps serving the loaded version when CURRENT names a version that cannot be loaded, warning once", async () => {
    const serving = server.bot.current.version;
    const currentFile = path.join(server.indexDir, "CURRENT");
    const warnings = () =>
      server.logLines.filter((line) => line.msg === "could not switch to the index on disk; still serving the loaded version" && line.version === "v-missing");
    await writeFile(currentFile, "v-missing\n");
    try {
      const deadline = Date.now() + 5000;
      while (warnings().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(warnings()).toHaveLength(1);
      const answer = await ask(SEED_QUESTION);
      expect(answer.status).toBe(200);
      expect(answer.body.noAnswer).toBe(false);
      expect(server.bot.current.version).toBe(serving);
    } finally {
      await writeFile(currentFile, `${serving}\n`);
    }
  });
});

describe("POST /api/reindex access", () => {
  it("refuses a missing or wrong bearer token with 401 and does not re-index", async () => {
    const version = server.bot.current.version;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-0123456789abc" },
      { authorization: TEST_ADMIN_TOKEN },
      { authorization: "Bearer " },
    ];
    for (const headers of attempts) {
      const response = await server.post("/api/reindex", {}, headers);
      expect(response.status).toBe(401);
      const error = (await response.json()).error;
      expect(error.code).toBe("UNAUTHORIZED");
      expect(error.hint).toContain("Bearer");
    }
    expect(server.bot.current.version).toBe(version);
  });

  it("returns the summary for the right token (dry run leaves the index alone)", async () => {
    const version = server.bot.current.version;
    const response = await server.post("/api/reindex", { dryRun: true }, auth);
    expect(response.status).toBe(200);
    const summary = await response.json();
    expect(summary.dryRun).toBe(true);
    expect(summary.unchanged).toBe(summary.sources);
    expect(server.bot.current.version).toBe(version);
  });

  it("does not exist when no admin token is configured, and /admin explains how to turn it on", async () => {
    const open = await startTestServer();
    try {
      const response = await open.post("/api/reindex", {}, auth);
      expect(response.status).toBe(404);
      expect((await response.json()).error.code).toBe("NOT_FOUND");
      for (const route of ["/admin", "/admin/documents", "/admin/login"]) {
        const page = await fetch(`${open.url}${route}`);
        expect(page.status, route).toBe(404);
        const html = await page.text();
        expect(html, route).not.toBe("Not found");
        for (const step of ["ADMIN_TOKEN", ".env", "npm start", 'href="/admin"', "POST /api/reindex", "/api/search", "/api/admin/"])
          expect(html, route).toContain(step);
      }
    } finally {
      await open.close();
    }
  });
});
