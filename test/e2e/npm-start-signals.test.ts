/**
 * `npm start` stops cleanly: SIGTERM to the npm process (as `kill`, `docker stop` or a process
 * manager send it) and Ctrl+C in a terminal (SIGINT to the whole process group, so the bot gets
 * the signal twice: from the terminal and passed on by npm) both end in a graceful stop, exit code
 * 0 and the port free for the next start. A second signal during a stop that takes long exits with
 * code 1 at once. No time is asserted: the waits are only there to let a stop take long.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { REPEATED_DELIVERY_MS } from "../../src/stop-on-signals.js";
import { startLocalChatModel, type LocalChatModel } from "../server/support/local-chat-model.js";
import { npmStart, prepareStartFolder, type NpmStart } from "./support/npm-start.js";

let scratch: string;
let folder: string;
let knowledgeDir: string;
let model: LocalChatModel;
const running: NpmStart[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "kb-npm-start-"));
  folder = await prepareStartFolder(scratch);
  knowledgeDir = path.join(scratch, "knowledge");
  await mkdir(knowledgeDir);
  await writeFile(path.join(knowledgeDir, "挂号.md"), "# 门诊挂号\n\n门诊挂号可以通过医院公众号、自助机或人工窗口办理，初诊患者需携带身份证建档。\n");
  model = await startLocalChatModel();
});

afterEach(() => {
  // Whatever a failed test left running.
  for (const started of running.splice(0)) started.kill();
});

afterAll(async () => {
  await model?.close();
  await rm(scratch, { recursive: true, force: true });
});

function start(name: string, extra: Record<string, string> = {}): NpmStart {
  const started = npmStart(folder, {
    KNOWLEDGE_DIR: knowledgeDir,
    INDEX_DIR: path.join(scratch, `index-${name}`),
    DATA_DIR: path.join(scratch, `data-${name}`),
    ...extra,
  });
  running.push(started);
  return started;
}

/** Generative answers from the local model, with waits longer than any test, so a question in flight holds the stop. */
const generative = (): Record<string, string> => ({
  ANSWER_MODE: "generative",
  CHAT_MODEL_BASE_URL: model.baseUrl,
  CHAT_MODEL_NAME: "slow-model",
  CHAT_MODEL_TIMEOUT_MS: "120000",
  SHUTDOWN_TIMEOUT_SECONDS: "120",
});

/** Asks on the web API; resolves with the status, or "cut" when the connection was cut. */
function ask(url: string): Promise<number | "cut"> {
  return fetch(`${url}/api/ask`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ question: "门诊怎么挂号" }),
  }).then(
    (response) => response.status,
    () => "cut" as const,
  );
}

/** True when nothing listens on the port any more: a new server can take it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

describe("npm start and signals", () => {
  it("stops gracefully on SIGTERM to the npm process: exit code 0, the port free", async () => {
    const bot = start("sigterm");
    const url = await bot.serving();
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    bot.signalNpm("SIGTERM");
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(bot.output()).toContain('"signal":"SIGTERM"');
    expect(bot.output()).toContain('"msg":"stopped"');
    expect(await portIsFree(Number(new URL(url).port))).toBe(true);
  }, 120_000);

  it("stops gracefully on Ctrl+C, which reaches the bot twice (from the terminal and passed on by npm): exit code 0, the port free", async () => {
    const bot = start("sigint", generative());
    const url = await bot.serving();
    // A question in flight keeps the stop going while the second copy arrives.
    model.reply = () => ({ content: "门诊挂号可以通过公众号办理[1]。", delayMs: 3000 });
    const arrived = model.nextRequest();
    const inFlight = ask(url);
    await arrived;

    // The terminal signals the whole process group; npm's own copy of the signal follows a moment later.
    // (Sent apart: two copies at the very same instant may merge into one in the kernel.)
    bot.signalGroup("SIGINT");
    await sleep(100);
    bot.signalNpm("SIGINT");
    expect(await bot.exited).toEqual({ code: 0, signal: null });
    expect(await inFlight).toBe(200);
    expect(bot.output()).toContain('"msg":"stopped"');
    expect(bot.output()).not.toContain("second signal");
    expect(await portIsFree(Number(new URL(url).port))).toBe(true);
  }, 120_000);

  it("exits at once with code 1 on a second signal while the stop waits for a request in flight", async () => {
    const bot = start("second-signal", generative());
    const url = await bot.serving();
    // The model takes far longer than the test: the graceful stop would wait for it.
    model.reply = () => ({ content: "门诊挂号可以通过公众号办理[1]。", delayMs: 110_000 });
    const arrived = model.nextRequest();
    const inFlight = ask(url);
    await arrived;

    bot.signalNpm("SIGTERM");
    await bot.printed("shutting down");
    // Past the window in which a repeat is taken for the same signal delivered twice.
    await sleep(REPEATED_DELIVERY_MS + 500);
    bot.signalNpm("SIGTERM");
    expect(await bot.exited).toEqual({ code: 1, signal: null });
    expect(bot.output()).toContain("second signal; exiting now");
    expect(await inFlight).toBe("cut");
    expect(await portIsFree(Number(new URL(url).port))).toBe(true);
  }, 120_000);
});
