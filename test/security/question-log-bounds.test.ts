/**
 * The question log over the real wiring (startBot, SQLite in DATA_DIR, POST /api/ask): it holds at
 * most QUESTION_LOG_MAX_ROWS questions, the oldest purged first, beside its day limit; and text
 * that looks like a credential (a configured secret's value, a bot token, an `sk-` key, a JWT, a
 * long random or hex string) never reaches it or the conversation memory, while dates, prices,
 * versions and ids stay as asked.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot, type RunningBot } from "../../src/main.js";
import type { SqliteStateStore } from "../../src/state/sqlite-state-store.js";
import { botEnvironment, copySeedKnowledge, TEST_ADMIN_TOKEN } from "../server/support/test-server.js";

const MAX_ROWS = 10;
const EMBEDDINGS_KEY = "kb-test-embeddings-key-ABCDEFGH";

let root: string;
let knowledge: Awaited<ReturnType<typeof copySeedKnowledge>>;
let running: RunningBot | undefined;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "kb-question-log-bounds-"));
  knowledge = await copySeedKnowledge();
  running = await startBot({
    environment: {
      ...botEnvironment({ knowledgeDir: knowledge.knowledgeDir, indexDir: path.join(root, "index"), dataDir: path.join(root, "data") }),
      QUESTION_LOG_MAX_ROWS: String(MAX_ROWS),
      // A configured secret without a credential's shape: only masking by value catches it.
      EMBEDDINGS_API_KEY: EMBEDDINGS_KEY,
    },
    handleSignals: false,
  });
});

afterAll(async () => {
  await running?.stop();
  await knowledge?.cleanup();
  await rm(root, { recursive: true, force: true });
});

async function ask(question: string): Promise<string> {
  const response = await fetch(`${running!.url}/api/ask`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { answerId: string }).answerId;
}

function questionRows(): number {
  return ((running!.store as SqliteStateStore).database.prepare("SELECT count(*) AS n FROM questions").get() as { n: number }).n;
}

describe("the question log", () => {
  it(`keeps at most QUESTION_LOG_MAX_ROWS (${MAX_ROWS}) questions, purging the oldest first`, async () => {
    const answerIds: string[] = [];
    for (let index = 0; index < 25; index++) answerIds.push(await ask(`第${index}个问题：医保卡丢了怎么办`));
    await expect.poll(questionRows, { timeout: 10_000 }).toBe(MAX_ROWS);
    for (const answerId of answerIds.slice(0, 15)) expect(await running!.store.findAnswer(answerId)).toBeUndefined();
    for (const answerId of answerIds.slice(15)) expect(await running!.store.findAnswer(answerId)).toBeDefined();
  });

  it("masks what looks like a credential, and keeps dates, prices, versions and ids", async () => {
    const secrets = [
      EMBEDDINGS_KEY,
      TEST_ADMIN_TOKEN,
      "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
      "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv",
      "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
      "dGhpcyBpcyBhIHNlY3JldCBrZXkgMTIzNDU2Nzg5MA==",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ];
    const kept = ["2025-03-18", "¥1,234.56", "v1.2.3", "faq-0012", "a1b2c3d"];
    const question = `我的配置是 ${secrets.join(" 和 ")}，从 ${kept.join(" ")} 起怎么报销`;
    const answerId = await ask(question);
    const logged = await running!.store.findAnswer(answerId);
    expect(logged).toBeDefined();
    for (const secret of secrets) expect(logged!.text).not.toContain(secret.slice(0, 16));
    expect(logged!.text.match(/\[secret\]/g)).toHaveLength(secrets.length);
    for (const part of kept) expect(logged!.text).toContain(part);
    // Nothing on disk holds them: not the log, not the conversation memory, not the write-ahead log.
    const dataDir = path.join(root, "data");
    for (const file of await readdir(dataDir)) {
      const bytes = await readFile(path.join(dataDir, file));
      for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `${file} holds ${secret.slice(0, 8)}…`).toBe(false);
    }
  });
});
