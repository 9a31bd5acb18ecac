/** What the server's thread and the parse thread say to each other (parse-thread.ts, parse-worker.ts). */
import type { SourceDoc } from "../core/types.js";
import type { IndexLimits } from "./index-limits.js";
import type { SourceProblem } from "./source-problem.js";

/** A file to parse, or (`next`) the go-ahead for the next batch of the file being sent. */
export type ParseRequest = ParseFileRequest | { kind: "next"; id: number };

export interface ParseFileRequest {
  kind: "parse";
  id: number;
  bytes: Uint8Array;
  /** Path relative to the knowledge folder. */
  file: string;
  limits: IndexLimits;
}

/**
 * Sources and problems arrive in batches, in order, then `done`; `failed` when the parser threw.
 * Each batch after the first waits for `next`: a port delivers every queued message in one turn of
 * the receiving thread, so batches sent all at once would hold the server's thread as long as one
 * big message.
 */
export type ParseReply =
  | { id: number; kind: "sources"; sources: SourceDoc[] }
  | { id: number; kind: "problems"; problems: SourceProblem[] }
  | { id: number; kind: "done" }
  | { id: number; kind: "failed"; message: string };
