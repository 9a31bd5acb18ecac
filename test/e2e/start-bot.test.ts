/**
 * `startBot()` as its own process, the way `npm start` runs it: no index yet (it builds one), no
 * chat platform configured, generative mode wired to a local model; then SIGTERM while a question
 * is in flight. A bad configuration exits with code 2 and names the variable.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { startLocalChatModel, type LocalChatModel } from "../server/support/local-chat-model.js";

const TSX_LOADER = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MAIN = path.join(PROJECT_ROOT, "src/main.ts");

interface BotProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs src/main.ts in a scratch folder (so no developer .env is read) with only the given variables. */
function runMain(environment: Record<string, string>, workingDirectory: string): BotProcess {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], {
    cwd: workingDirectory,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? workingDirectory, ...environment },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForUrl(bot: BotProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"serving on/.exec(bot.output());
    if (match) return match[1];
    if (bot.child.exitCode !== null) throw new Error(`bot exited early:\n${bot.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`bot did not start:\n${bot.output()}`);
}

let scratch: string;
let model: LocalChatModel;
let bot: BotProcess | undefined;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "kb-start-bot-"));
  model = await startLocalChatModel();
});

afterAll(async () => {
  if (bot && bot.child.exitCode === null) {
    bot.child.kill("SIGKILL");
    await bot.exited;
  }
  await model?.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("startBot as a process", () => {
  it("builds the index on first start, serves, answers generatively, and stops gracefully on SIGTERM", async () => {
    bot = runMain(
      {
        KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR,
        INDEX_DIR: path.join(scratch, "index"),
        HOST: "127.0.0.1",
        PORT: "0",
        ANSWER_MODE: "generative",
        CHAT_MODEL_BASE_URL: model.baseUrl,
        CHAT_MODEL_NAME: "local-test-model",
      },
      scratch,
    );
    const url = await waitForUrl(bot);
    expect(bot.output()).toContain("building the index");
    expect(bot.output()).toContain('"adapters":[]');

    const health = await (await fetch(`${url}/healthz`)).json();
    expect(health.index.sources).toBeGreaterThan(10);
    expect((await fetch(`${url}/`)).status).toBe(200);

    model.reply = () => ({ content: "五指山位于海南省[1][5]。", delayMs: 700 });
    const arrived = model.nextRequest();
    const inFlight = fetch(`${url}/api/ask`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ question: "五指山在哪个省" }) });
    await arrived;
    bot.child.kill("SIGTERM");

    const response = await inFlight;
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer.text).toBe("五指山位于海南省[1]。");
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain('"signal":"SIGTERM"');
    expect(bot.output()).toContain('"msg":"stopped"');
  });

  it("exits with code 2 and names every invalid variable", async () => {
    const broken = runMain({ INDEX_DIR: path.join(scratch, "index"), PORT: "not-a-port", ANSWER_MODE: "sometimes" }, scratch);
    expect(await broken.exited).toBe(2);
    expect(broken.output()).toContain("Configuration is invalid");
    expect(broken.output()).toContain("PORT");
    expect(broken.output()).toContain("ANSWER_MODE");
  });
});
