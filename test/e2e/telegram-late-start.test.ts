/**
 * Telegram unreachable when the bot starts: the bot serves the web page anyway, does not list the
 * Telegram adapter as started, reports "degraded" in /healthz and the admin overview, and keeps
 * trying with backoff; once the Bot API answers (here the telegram-test-api emulator, started
 * late on the port the bot has been dialling) the adapter starts, health turns "ok", and a message
 * sent in Telegram is answered. The bot runs as `npm start` does, in its own process.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logInToConsole } from "../support/admin-server.js";
import { startEmulator, type Emulator } from "../telegram/support/telegram-emulator.js";
import { npmStart, prepareStartFolder, type NpmStart } from "./support/npm-start.js";

const TOKEN = "123456:late-start-emulator-token";
const ADMIN_TOKEN = "late-start-admin-token-0123456789";

let scratch: string;
let bot: NpmStart | undefined;
let emulator: Emulator | undefined;

/** A port nothing listens on right now (taken and released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

interface Health {
  status: string;
  adapters?: Record<string, { state: string; failedAttempts: number; detail?: string }>;
  connections?: Record<string, { state: string; degraded: boolean }>;
}

async function health(url: string): Promise<Health> {
  return (await (await fetch(`${url}/healthz`)).json()) as Health;
}

/** Polls /healthz until `accept` holds; generous, since the bot waits its backoff between tries. */
async function healthBecomes(url: string, accept: (body: Health) => boolean): Promise<Health> {
  for (let tries = 0; tries < 600; tries++) {
    const body = await health(url);
    if (accept(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`health never became as expected: ${JSON.stringify(await health(url))}`);
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "kb-telegram-late-"));
});

afterAll(async () => {
  bot?.kill();
  await emulator?.stop();
  await rm(scratch, { recursive: true, force: true });
});

describe("a Telegram Bot API that answers only after the bot started", () => {
  it("is retried with backoff, shown as degraded until then and not listed as started; then it starts and answers", async () => {
    const knowledgeDir = path.join(scratch, "knowledge");
    await mkdir(knowledgeDir);
    await writeFile(path.join(knowledgeDir, "挂号.md"), "# 门诊挂号\n\n门诊挂号可以通过医院公众号、自助机或人工窗口办理，初诊患者需携带身份证建档。\n");
    const [apiPort, webPort] = [await freePort(), await freePort()];
    const url = `http://127.0.0.1:${webPort}`;
    bot = npmStart(await prepareStartFolder(scratch), {
      KNOWLEDGE_DIR: knowledgeDir,
      INDEX_DIR: path.join(scratch, "index"),
      DATA_DIR: path.join(scratch, "data"),
      PORT: String(webPort),
      PUBLIC_BASE_URL: url,
      ADMIN_TOKEN,
      TELEGRAM_BOT_TOKEN: TOKEN,
      // Nothing listens there yet: every call is refused until the emulator starts.
      TELEGRAM_API_ROOT: `http://127.0.0.1:${apiPort}/`,
      ADAPTER_RETRY_MAX_SECONDS: "2",
    });
    expect(await bot.serving()).toBe(url);

    // The start-up line does not count Telegram as started.
    const startLine = JSON.parse(
      bot
        .output()
        .split("\n")
        .find((line) => line.includes('"msg":"serving on'))!,
    ) as Record<string, unknown>;
    expect(startLine.adapters).toEqual([]);
    expect(startLine.adaptersRetrying).toEqual(["telegram"]);
    expect(startLine.connections).toEqual({ "telegram-polling": "connecting" });

    const degraded = await healthBecomes(url, (body) => (body.adapters?.telegram?.failedAttempts ?? 0) >= 2);
    expect(degraded.status).toBe("degraded");
    expect(degraded.adapters?.telegram).toMatchObject({ state: "retrying", detail: expect.stringContaining("TELEGRAM_UNREACHABLE") });
    expect(degraded.connections?.["telegram-polling"]).toMatchObject({ degraded: true });
    // Neither the token nor its secret half reaches /healthz or the log.
    expect(JSON.stringify(degraded)).not.toContain(TOKEN.split(":")[1]);
    expect(bot.output()).not.toContain(TOKEN.split(":")[1]);
    expect((await fetch(`${url}/`)).status).toBe(200);

    const { cookie } = await logInToConsole(url, ADMIN_TOKEN);
    const overview = await (await fetch(`${url}/admin`, { headers: { cookie } })).text();
    expect(overview).toContain('data-adapter="telegram" data-state="retrying"');
    expect(overview).toContain('id="adapters-degraded"');

    emulator = await startEmulator(TOKEN, { port: apiPort });
    const healthy = await healthBecomes(url, (body) => body.status === "ok");
    expect(healthy.adapters?.telegram).toMatchObject({ state: "started", failedAttempts: 0 });
    expect(healthy.connections?.["telegram-polling"]).toMatchObject({ state: "connected", degraded: false });
    await bot.printed('"msg":"adapter started"');
    const afterOverview = await (await fetch(`${url}/admin`, { headers: { cookie } })).text();
    expect(afterOverview).toContain('data-adapter="telegram" data-state="started"');
    expect(afterOverview).not.toContain('id="adapters-degraded"');

    const client = emulator.client({ chatId: 301, userId: 301, type: "private" });
    await client.sendMessage(client.makeMessage("门诊怎么挂号"));
    const [reply] = await emulator.takeBotMessages(301, 1, 30_000);
    expect((reply.message as { text: string }).text).toContain("公众号");

    bot.signalNpm("SIGTERM");
    expect(await bot.exited).toEqual({ code: 0, signal: null });
  }, 180_000);
});
