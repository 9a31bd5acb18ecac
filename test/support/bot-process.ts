/**
 * The whole bot as its own process (src/main.ts through tsx, as `npm start` runs the build), so a
 * test can kill it with SIGKILL and start it again on the same DATA_DIR or database. Its log lines
 * (JSON on stderr) are parsed as they arrive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "./test-knowledge-bot.js";

const TSX_LOADER = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MAIN = path.join(PROJECT_ROOT, "src/main.ts");

export interface BotProcess {
  child: ChildProcess;
  /** Every JSON log line so far. */
  logs: Record<string, unknown>[];
  /** Everything written that was not a JSON log line (a crash's stack). */
  otherOutput(): string;
  /** The URL from the "serving on" line; rejects if the process exits first. */
  url: Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Log lines with this message. */
  linesSaying(message: string): Record<string, unknown>[];
}

/** Runs src/main.ts in `workingDirectory` (so no developer .env is read) with only the given variables. */
export function startBotProcess(environment: Record<string, string>, workingDirectory: string): BotProcess {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], {
    cwd: workingDirectory,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? workingDirectory, ...environment },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  let other = "";
  let partial = "";
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    const take = (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) {
          other += `${line}\n`;
          continue;
        }
        const parsed = JSON.parse(line) as Record<string, unknown>;
        logs.push(parsed);
        if (typeof parsed.msg === "string" && parsed.msg.startsWith("serving on") && typeof parsed.url === "string") resolve(parsed.url);
      }
    };
    child.stderr!.on("data", take);
    child.stdout!.on("data", take);
    void exited.then(({ code, signal }) => reject(new Error(`the bot exited (code ${code}, signal ${signal}) before serving:\n${other}`)));
  });
  // A test that fails early does not leave the rejection unhandled.
  url.catch(() => undefined);
  return {
    child,
    logs,
    otherOutput: () => other,
    url,
    exited,
    linesSaying: (message) => logs.filter((line) => line.msg === message),
  };
}

/** Stops the process for good (SIGKILL) if it still runs; for afterAll. */
export async function killIfRunning(bot: BotProcess | undefined): Promise<void> {
  if (!bot || bot.child.exitCode !== null || bot.child.signalCode !== null) return;
  bot.child.kill("SIGKILL");
  await bot.exited;
}
