/**
 * What `npm start` prints when the bot cannot start: a deliberate error is one line a person can
 * act on (a taken port naming PORT, a damaged index naming `kb reindex --full`); only an error no
 * one foresaw keeps its stack trace, since that is a bug to report.
 */
import { ConfigError } from "./config.js";
import { isKnowledgeBotError } from "./core/errors.js";

export interface StartUpFailure {
  /** Everything written to stderr, ending in a newline. */
  text: string;
  /** 2 for a bad configuration, 1 for anything else. */
  exitCode: number;
}

export function describeStartUpFailure(error: unknown): StartUpFailure {
  if (error instanceof ConfigError) return { text: `${error.message}\n${error.hint}\n`, exitCode: 2 };
  if (isKnowledgeBotError(error)) return { text: `error: ${error.describe().replace(/\s*\n\s*/g, " ")}\n`, exitCode: 1 };
  return { text: `error: ${(error as Error)?.stack ?? String(error)}\n`, exitCode: 1 };
}
