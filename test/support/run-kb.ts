/**
 * Runs the `kb` command in this process, as `bin/kb.js` would, with its output captured: the
 * tests read exit codes and what each stream said.
 */
import { PassThrough, Readable } from "node:stream";
import { runCli } from "../../src/cli.js";

export interface KbRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runKb(args: string[], stdinText = ""): Promise<KbRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const captured = { stdout: "", stderr: "" };
  stdout.on("data", (chunk: Buffer) => (captured.stdout += chunk.toString()));
  stderr.on("data", (chunk: Buffer) => (captured.stderr += chunk.toString()));
  const code = await runCli(args, { stdout, stderr, stdin: Readable.from([stdinText]) });
  return { code, ...captured };
}
