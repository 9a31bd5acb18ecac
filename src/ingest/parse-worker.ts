/**
 * The parse thread's entry (started by parse-thread.ts): parses one file per message and sends its
 * sources back in batches, so the server's thread never deserializes a million-row table in one go.
 */
import { parentPort } from "node:worker_threads";
import type { SourceDoc } from "../core/types.js";
import { parseFile } from "./parse-file.js";
import type { ParseFileRequest, ParseReply, ParseRequest } from "./parse-messages.js";
import type { ParsedFile } from "./parsed-file.js";

/** A batch ends at this many sources or this many characters of text, whichever comes first. */
const BATCH_SOURCES = 1000;
const BATCH_CHARACTERS = 1024 * 1024;

const port = parentPort;
if (!port) throw new Error("parse-worker.ts runs as a worker thread (see parse-thread.ts)");

/** The replies of the file being sent, one per `next`. */
let sending: { id: number; replies: Generator<ParseReply> } | undefined;

port.on("message", (request: ParseRequest) => {
  if (request.kind === "next") {
    if (sending?.id === request.id) sendNext();
    return;
  }
  void parse(request);
});

async function parse({ id, bytes, file, limits }: ParseFileRequest): Promise<void> {
  try {
    const parsed = await parseFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, limits);
    sending = { id, replies: batches(id, parsed) };
  } catch (error) {
    sending = { id, replies: failure(id, error) };
  }
  sendNext();
}

function sendNext(): void {
  const next = sending?.replies.next();
  if (!next || next.done) return;
  if (next.value.kind === "done" || next.value.kind === "failed") sending = undefined;
  port!.postMessage(next.value);
}

function* failure(id: number, error: unknown): Generator<ParseReply> {
  yield { id, kind: "failed", message: (error as Error)?.stack ?? String(error) };
}

function* batches(id: number, parsed: ParsedFile): Generator<ParseReply> {
  let batch: SourceDoc[] = [];
  let characters = 0;
  for (const source of parsed.sources) {
    batch.push(source);
    characters += source.text.length;
    if (batch.length >= BATCH_SOURCES || characters >= BATCH_CHARACTERS) {
      yield { id, kind: "sources", sources: batch };
      batch = [];
      characters = 0;
    }
  }
  if (batch.length > 0) yield { id, kind: "sources", sources: batch };
  for (let start = 0; start < parsed.problems.length; start += BATCH_SOURCES) {
    yield { id, kind: "problems", problems: parsed.problems.slice(start, start + BATCH_SOURCES) };
  }
  yield { id, kind: "done" };
}
