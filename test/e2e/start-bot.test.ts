/**
 * `startBot()` as its own process, the way `npm start` runs it: no index yet (it builds one), no
 * chat platform configured, generative mode wired to a local model; then SIGTERM while a question
 * is in flight. A bad configuration is refused in-process with a ConfigError naming each variable
 * (src/main.ts turns that error into exit code 2).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { startBot } from "../../src/main.js";
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

/** Resolves with the URL from the "serving on" log line; rejects if the process exits first. */
function waitForUrl(bot: BotProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    // The log goes to stderr; this listener runs after runMain's, so the output already has the chunk.
    const check = () => {
      const match = /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"serving on/.exec(bot.output());
      if (match) {
        bot.child.stderr!.off("data", check);
        resolve(match[1]);
      }
    };
    bot.child.stderr!.on("data", check);
    void bot.exited.then((code) => reject(new Error(`bot exited early with code ${code}:\n${bot.output()}`)));
  });
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
    const inFlight = fetch(`${url}/api/ask`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ question: "五指山在哪个省" }),
    });
    await arrived;
    bot.child.kill("SIGTERM");

    const response = await inFlight;
    expect(response.status).toBe(200);
    const answer = await response.json();
    expect(answer.text).toBe("五指山位于海南省。[1]");
    expect(await bot.exited).toBe(0);
    expect(bot.output()).toContain('"signal":"SIGTERM"');
    expect(bot.output()).toContain('"msg":"stopped"');
  });
});

describe("a bad configuration", () => {
  const broken = { INDEX_DIR: "/nonexistent/index", PORT: "not-a-port", ANSWER_MODE: "sometimes" };

  it("is refused by startBot before anything starts, naming every invalid variable", async () => {
    const error: unknown = await startBot({ environment: broken, handleSignals: false }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(ConfigError);
    const { code, message, hint } = error as ConfigError;
    expect(code).toBe("CONFIG_INVALID");
    expect(message).toContain("Configuration is invalid");
    expect(message).toContain("PORT");
    expect(message).toContain("ANSWER_MODE");
    expect(hint).toContain(".env.example");
  });

  it("is refused by loadConfig with one problem per variable", () => {
    expect(() => loadConfig(broken)).toThrow(ConfigError);
    try {
      loadConfig(broken);
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems.filter((problem) => problem.startsWith("PORT"))).toHaveLength(1);
      expect(problems.filter((problem) => problem.startsWith("ANSWER_MODE"))).toHaveLength(1);
    }
  });
});
