/**
 * Two replicas of the whole bot (startBot, each with its own environment: one knowledge folder, one
 * index folder, one PostgreSQL database, different ports and data folders) on 127.0.0.1, acting as
 * one bot: a WeCom MsgId delivered to A, B, A is one message/send; an AI-bot stream opened on A is
 * finished on B; a conversation alternating between them keeps its memory; an admin answer given on
 * A is served by B; an admin session and wrong login tokens count on both; a re-index on A makes
 * B's attempt wait its turn; a third replica killed with SIGKILL leaves the others answering, with
 * what it logged kept.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWecomApi, type FakeWecomApi } from "../../adapters/wecom/testing/fake-wecom-api.js";
import { aiBotRefreshMessage, aiBotTextMessage } from "../../adapters/wecom/testing/signed-callbacks.js";
import { startBot, type RunningBot } from "../../src/main.js";
import { advisoryLockKey } from "../../src/state/postgres-coordination.js";
import { botEnvironment, copySeedKnowledge, TEST_ADMIN_TOKEN } from "../server/support/test-server.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { callStream } from "../wecom/support/ai-bot-calls.js";
import { APP_KEYS, postAppText, WEBHOOK_KEY, wecomEnvironment } from "../wecom/support/wecom-test-server.js";
import { useTestDatabase } from "./support/test-database.js";

const database = useTestDatabase();
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let fakeApi: FakeWecomApi;
let replicaA: RunningBot;
let replicaB: RunningBot;

function environment(name: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...botEnvironment({
      knowledgeDir: knowledge.knowledgeDir,
      indexDir: path.join(root, "index"),
      dataDir: path.join(root, `data-${name}`),
      databaseUrl: database.get().url,
    }),
    ...wecomEnvironment(fakeApi.baseUrl),
    ...extra,
  };
}

function postJson(baseUrl: string, route: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${route}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

interface AskReply {
  answerId: string;
  noAnswer: boolean;
  conversationId: string;
  citations: { sourceId: string }[];
}

async function ask(baseUrl: string, question: string, conversationId?: string): Promise<AskReply> {
  const response = await postJson(baseUrl, "/api/ask", { question, conversationId });
  expect(response.status).toBe(200);
  return (await response.json()) as AskReply;
}

async function waitFor<Value>(attempt: () => Promise<Value | undefined> | Value | undefined, timeoutMs = 20_000): Promise<Value> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-replicas-"));
  knowledge = await copySeedKnowledge();
  fakeApi = await startFakeWecomApi({ corpId: APP_KEYS.corpId, secret: APP_KEYS.secret, webhookKey: WEBHOOK_KEY });
  // A builds the index into the shared folder; B starts on it.
  replicaA = await startBot({ environment: environment("a"), handleSignals: false });
  replicaB = await startBot({ environment: environment("b", { REINDEX_LOCK_WAIT_MS: "60000" }), handleSignals: false });
});

afterAll(async () => {
  await replicaA?.stop();
  await replicaB?.stop();
  await fakeApi?.close();
  await knowledge?.cleanup();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("two replicas on one PostgreSQL", () => {
  it("both report the shared store as healthy", async () => {
    for (const replica of [replicaA, replicaB]) {
      const health = (await (await fetch(`${replica.url}/healthz`)).json()) as { state?: { dialect: string; state: string } };
      expect(JSON.stringify(health)).toContain('"dialect":"postgres"');
      expect(replica.store.health()).toEqual({ dialect: "postgres", state: "ok" });
    }
  });

  it("one WeCom MsgId delivered to A, B, A is answered with exactly one message/send", async () => {
    const msgId = `${Date.now()}01`;
    const userId = "replica-user-app";
    for (const replica of [replicaA, replicaB, replicaA]) {
      const response = await postAppText(replica.url, { userId, content: "五指山在哪个省", msgId });
      expect(response.status).toBe(200);
    }
    const sentTo = () => fakeApi.sentMessages.filter((call) => call.body.touser === userId);
    await fakeApi.waitFor(() => sentTo().length >= 1);
    // Room for a second send, had either replica answered the repeat.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sentTo()).toHaveLength(1);
    expect(JSON.stringify(sentTo()[0]!.body)).toContain("海南");
  });

  it("an AI-bot stream opened on A and refreshed on B ends with the full answer", async () => {
    const msgid = `replica-stream-${Date.now()}`;
    const userId = "replica-user-bot";
    const opened = await callStream(replicaA.url, aiBotTextMessage({ msgid, userId, content: "五指山在哪个省" }));
    const finished = await waitFor(async () => {
      const refreshed = await callStream(replicaB.url, aiBotRefreshMessage({ msgid, userId, streamId: opened.id }));
      expect(refreshed.id).toBe(opened.id);
      return refreshed.finish ? refreshed : undefined;
    });
    expect(finished.content).toContain("海南");
    expect(finished.content).toContain("**来源**");
  });

  it("a conversation whose turns alternate between A and B keeps its memory", async () => {
    const first = await ask(replicaA.url, "江苏省内医保卡可以异地使用吗");
    expect(first.noAnswer).toBe(false);
    const followUp = await ask(replicaB.url, "那吉林呢？", first.conversationId);
    const alone = await ask(replicaB.url, "那吉林呢？");
    expect(followUp.conversationId).toBe(first.conversationId);
    expect(followUp.noAnswer).toBe(false);
    // Without the earlier turn the same words find nothing to answer.
    expect(alone.noAnswer).toBe(true);
    const third = await ask(replicaA.url, "那怎么激活", first.conversationId);
    expect(third.noAnswer).toBe(false);
  });

  it("an admin answer given on A is served by B, and the question asked on A is in B's queue", async () => {
    const question = "推荐一部好看的电影";
    expect((await ask(replicaA.url, question)).noAnswer).toBe(true);
    const queue = await fetch(`${replicaB.url}/api/admin/questions?filter=unanswered&days=7`, { headers: admin });
    expect(((await queue.json()) as { questions: { text: string; count: number }[] }).questions).toContainEqual(
      expect.objectContaining({ text: question, count: 1 }),
    );

    const created = await postJson(replicaA.url, "/api/admin/answers", { question, answer: "本知识库只回答医保和健康问题，可以看看本周的院线新片。" }, admin);
    expect(created.status).toBe(201);
    const { sourceId } = (await created.json()) as { sourceId: string };
    const served = await waitFor(async () => {
      const reply = await ask(replicaB.url, question);
      return reply.citations.some((citation) => citation.sourceId === sourceId) ? reply : undefined;
    });
    expect(served.noAnswer).toBe(false);
  });

  it("an admin logged in on A is let in on B, and wrong tokens on A and B count together", async () => {
    const login = (url: string, token: string) =>
      fetch(`${url}/admin/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token }),
      });
    const loggedIn = await login(replicaA.url, TEST_ADMIN_TOKEN);
    expect(loggedIn.status).toBe(303);
    const cookie = /kb_admin_session=[^;]+/.exec(loggedIn.headers.get("set-cookie") ?? "")?.[0];
    expect(cookie).toBeDefined();
    expect((await fetch(`${replicaB.url}/api/admin/stats?days=7`, { headers: { cookie: cookie! } })).status).toBe(200);

    for (const url of [replicaA.url, replicaB.url, replicaA.url, replicaB.url, replicaA.url])
      expect((await login(url, "wrong-token-wrong-token")).status).toBe(401);
    // Five wrong tries in all from this address: B refuses even the right token now.
    expect((await login(replicaB.url, TEST_ADMIN_TOKEN)).status).toBe(429);
  });

  it("a re-index started on A while B tries one: B waits for A's to finish, then runs its own", async () => {
    // Enough text that a full re-index takes a while, so B's attempt lands during A's.
    const lines = Array.from({ length: 4000 }, (_, index) => `第${index}条：关于复制品和共享状态的说明，编号${index}，内容各不相同 ${index * 7919}。`);
    await writeFile(path.join(knowledge.knowledgeDir, "replicas-bulk.md"), `# 复制品说明\n\n${lines.join("\n\n")}\n`);
    const onA = postJson(replicaA.url, "/api/reindex", { full: true }, admin);
    const key = BigInt(advisoryLockKey("reindex"));
    // The store's "reindex" lock (a session advisory lock) shows in pg_locks while A holds it.
    await waitFor(async () => {
      const { rows } = await database
        .get()
        .admin.query<{ held: boolean }>(
          "SELECT count(*) > 0 AS held FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND objid::bigint = $2",
          [Number((key >> 32n) & 0xffffffffn), Number(key & 0xffffffffn)],
        );
      return rows[0]!.held || undefined;
    });
    const onB = postJson(replicaB.url, "/api/reindex", { full: true }, admin);
    const [fromA, fromB] = await Promise.all([onA, onB]);
    expect(fromA.status).toBe(200);
    expect(fromB.status).toBe(200);
    const [summaryA, summaryB] = (await Promise.all([fromA.json(), fromB.json()])) as { version: string }[];
    expect(summaryA!.version).not.toBe(summaryB!.version);
    // Both runs land in the one shared history (each replica records its run just after answering).
    await waitFor(async () => {
      const runs = await replicaA.store.listReindexRuns(5);
      return runs.filter((run) => run.ok && run.reason === "POST /api/reindex").length === 2 || undefined;
    });
  });

  it("a replica killed with SIGKILL leaves the others answering, and what it logged is kept", async () => {
    const killed = runReplicaProcess(environment("c"));
    try {
      const url = await killed.url;
      const question = "苹果手机怎么截图";
      expect((await ask(url, question)).noAnswer).toBe(true);
      killed.child.kill("SIGKILL");
      await killed.exited;
      expect((await ask(replicaB.url, "五指山在哪个省")).noAnswer).toBe(false);
      expect(replicaB.store.health().state).toBe("ok");
      const queue = await fetch(`${replicaB.url}/api/admin/questions?filter=unanswered&days=7`, { headers: admin });
      expect(((await queue.json()) as { questions: { text: string }[] }).questions.map((entry) => entry.text)).toContain(question);
    } finally {
      if (killed.child.exitCode === null && killed.child.signalCode === null) killed.child.kill("SIGKILL");
    }
  });
});

/** src/main.ts as a process of its own, so it can be killed the way a crash kills it. */
function runReplicaProcess(environmentValues: Record<string, string>): { child: ChildProcess; url: Promise<string>; exited: Promise<void> } {
  const loader = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
  const child = spawn(process.execPath, ["--import", loader, path.join(PROJECT_ROOT, "src/main.ts")], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? root, ...environmentValues, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = new Promise<string>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"serving on/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    void exited.then(() => reject(new Error(`the replica exited before serving:\n${output}`)));
  });
  return { child, url, exited };
}
