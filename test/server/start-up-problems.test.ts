/**
 * Start-up problems an admin can fix are one line naming the setting, with a non-zero exit code and
 * no stack trace: a port already in use, a data folder that cannot be written, a knowledge folder
 * that cannot be read. `src/main.ts` runs as its own process, the way `npm start` runs it.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as createNetServer, type Server } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKnowledgeBotError } from "../../src/core/errors.js";
import { createLogger } from "../../src/core/logger.js";
import { createServer } from "../../src/server/create-server.js";
import { PROJECT_ROOT, SEED_KNOWLEDGE_DIR } from "../support/test-knowledge-bot.js";
import { startTestServer, type TestServer } from "./support/test-server.js";

const TSX_LOADER = pathToFileURL(path.join(PROJECT_ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const MAIN = path.join(PROJECT_ROOT, "src/main.ts");

/** Runs src/main.ts in a scratch folder (so no developer .env is read) until it exits. */
function runMain(environment: Record<string, string>, workingDirectory: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--import", TSX_LOADER, MAIN], {
    cwd: workingDirectory,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? workingDirectory, LOG_LEVEL: "silent", HOST: "127.0.0.1", ...environment },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stderr })));
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/^\s+at /m);
}

let server: TestServer;
let occupier: Server;
let occupiedPort: number;
let scratch: string;

beforeAll(async () => {
  server = await startTestServer();
  scratch = await mkdtemp(path.join(os.tmpdir(), "kb-start-up-"));
  occupier = createNetServer();
  await new Promise<void>((resolve) => occupier.listen(0, "127.0.0.1", resolve));
  occupiedPort = (occupier.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => occupier.close(resolve));
  await server.close();
  await rm(scratch, { recursive: true, force: true });
});

describe("start-up problems", () => {
  it("a second server on the same port is refused with PORT_IN_USE, naming the port and PORT", async () => {
    const port = Number(new URL(server.url).port);
    const second = createServer({ bot: server.bot, config: server.config, logger: createLogger("silent"), indexPollMs: 0 });
    const refusal = await second.start({ host: "127.0.0.1", port }).then(
      () => undefined,
      (error: unknown) => error,
    );
    await second.close();
    expect(isKnowledgeBotError(refusal) && refusal.code).toBe("PORT_IN_USE");
    if (!isKnowledgeBotError(refusal)) return;
    expect(refusal.describe()).toBe(`port ${port} is in use (PORT_IN_USE). Set PORT to a free port, or stop the program that holds it.`);
    // The first server keeps serving.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it("npm start on a port in use: one line naming PORT, exit code 1", async () => {
    const result = await runMain(
      { KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR, INDEX_DIR: server.indexDir, DATA_DIR: path.join(scratch, "data-port"), PORT: String(occupiedPort) },
      scratch,
    );
    expect(result.code).toBe(1);
    expectOneLine(result.stderr, new RegExp(`^error: port ${occupiedPort} is in use \\(PORT_IN_USE\\)\\. Set PORT to a free port`));
  });

  it("npm start with a data folder that cannot be written: one line naming DATA_DIR, exit code 1", async () => {
    const file = path.join(scratch, "a-file");
    await writeFile(file, "not a folder");
    const result = await runMain({ KNOWLEDGE_DIR: SEED_KNOWLEDGE_DIR, INDEX_DIR: server.indexDir, DATA_DIR: path.join(file, "data"), PORT: "0" }, scratch);
    expect(result.code).toBe(1);
    expectOneLine(result.stderr, /^error: the data folder .* is not writable: .*\(DATA_DIR_UNWRITABLE\)\. Set DATA_DIR to a folder/);
  });

  it("npm start with a knowledge folder that cannot be read: one line naming KNOWLEDGE_DIR, exit code 1", async () => {
    const result = await runMain(
      {
        KNOWLEDGE_DIR: path.join(scratch, "no-such-folder"),
        INDEX_DIR: path.join(scratch, "index"),
        DATA_DIR: path.join(scratch, "data-knowledge"),
        PORT: "0",
      },
      scratch,
    );
    expect(result.code).toBe(1);
    expectOneLine(result.stderr, /^error: The knowledge folder .* cannot be read: .*\(KNOWLEDGE_DIR_MISSING\)\. .*KNOWLEDGE_DIR/);
  });
});
