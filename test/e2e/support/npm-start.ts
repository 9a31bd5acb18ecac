/**
 * `npm start` as an operator runs it: npm, the package's own `start` script through its shell, and
 * the bot beneath. The scratch folder holds a package.json with the project's real start script and
 * `dist/src/main.js` as a link to src/main.ts, which node runs through tsx (NODE_OPTIONS), so the
 * test needs no build and always runs the current source. npm is started in its own process group,
 * so a test can signal the group the way a terminal's Ctrl+C does, and clean the whole group up.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PROJECT_ROOT } from "../../support/test-knowledge-bot.js";

const TSX_LOADER = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/tsx/dist/loader.mjs")).href;

export interface NpmStart {
  npm: ChildProcess;
  output(): string;
  /** npm's exit code (null when a signal ended it) and that signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the URL of the "serving on" log line; rejects when npm exits first. */
  serving(): Promise<string>;
  /** Resolves once the output contains `text`; rejects when npm exits first. */
  printed(text: string): Promise<void>;
  /** Signals npm alone (as `kill <pid>` or `docker stop` do). */
  signalNpm(signal: NodeJS.Signals): void;
  /** Signals npm's whole process group (as a terminal's Ctrl+C does). */
  signalGroup(signal: NodeJS.Signals): void;
  /** SIGKILL to the whole group, whatever is left of it. */
  kill(): void;
}

/** A scratch app folder with the project's start script; returns its path. */
export async function prepareStartFolder(scratch: string): Promise<string> {
  const folder = path.join(scratch, "app");
  const project = JSON.parse(await readFile(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  await mkdir(path.join(folder, "dist/src"), { recursive: true });
  await writeFile(
    path.join(folder, "package.json"),
    JSON.stringify({ name: "kb-chat-bot-start-test", version: "0.0.0", private: true, type: "module", scripts: { start: project.scripts.start } }),
  );
  await symlink(path.join(PROJECT_ROOT, "src/main.ts"), path.join(folder, "dist/src/main.js"));
  return folder;
}

/** Runs `npm start` in `folder` with only the given variables (no developer .env is read there). */
export function npmStart(folder: string, environment: Record<string, string>): NpmStart {
  const npm = spawn("npm", ["start", "--ignore-scripts", "--no-update-notifier", "--no-fund", "--no-audit"], {
    cwd: folder,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? folder,
      NODE_OPTIONS: `--import ${TSX_LOADER}`,
      HOST: "127.0.0.1",
      PORT: "0",
      ...environment,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    for (const listener of [...listeners]) listener();
  };
  npm.stdout!.on("data", onData);
  npm.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => npm.on("exit", (code, signal) => resolve({ code, signal })));

  function waitFor<T>(find: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found === undefined) return;
        listeners.delete(check);
        resolve(found);
      };
      listeners.add(check);
      check();
      void exited.then(({ code, signal }) => {
        listeners.delete(check);
        reject(new Error(`npm exited (code ${code}, signal ${signal}) first:\n${output}`));
      });
    });
  }

  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-npm.pid!, signal);
    } catch {
      // The group is gone already.
    }
  };
  return {
    npm,
    output: () => output,
    exited,
    serving: () => waitFor(() => /"url":"(http:\/\/[^"]+)"[^\n]*"msg":"serving on/.exec(output)?.[1]),
    printed: (text) => waitFor(() => (output.includes(text) ? true : undefined)).then(() => undefined),
    signalNpm: (signal) => npm.kill(signal),
    signalGroup: group,
    kill: () => group("SIGKILL"),
  };
}
