/** What the server's thread and the parse thread say to each other (parse-thread.ts, parse-worker.ts). */
import type { SourceDoc } from "../core/types.js";
import type { IndexLimits } from "./index-limits.js";
import type { SourceProblem } from "./source-problem.js";

export interface ParseRequest {
  id: number;
  bytes: Uint8Array;
  /** Path relative to the knowledge folder. */
  file: string;
  limits: IndexLimits;
}

/** Sources and problems arrive in batches, in order, then `done`; `failed` when the parser threw. */
export type ParseReply =
  | { id: number; kind: "sources"; sources: SourceDoc[] }
  | { id: number; kind: "problems"; problems: SourceProblem[] }
  | { id: number; kind: "done" }
  | { id: number; kind: "failed"; message: string };
