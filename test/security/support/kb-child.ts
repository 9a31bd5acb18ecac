/** The `kb` command in a child process (as bin/kb.js runs it, but from source through tsx), so a test can signal it. */
import { runCli } from "../../../src/cli.js";

process.exitCode = await runCli(process.argv.slice(2));
