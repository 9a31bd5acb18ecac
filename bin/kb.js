#!/usr/bin/env node
// Runs the compiled CLI; `npm install` compiles it through the `prepare` script.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const compiled = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));
if (!existsSync(compiled)) {
  console.error("kb: the compiled CLI is missing (dist/src/cli.js). Run `npm run build` in the project folder.");
  process.exit(1);
}
const { runCli } = await import(compiled);
process.exitCode = await runCli(process.argv.slice(2));
