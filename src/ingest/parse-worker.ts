/**
 * The parse thread's entry (started by parse-thread.ts): parses one file per message and sends its
 * sources back in batches, so the server's thread never deserializes a million-row table in one go.
 */
import { parentPort } from "node:worker_threads";
import type { SourceDoc } from "../core/types.js";
import { parseFile } from "./parse-file.js";
import type { ParseReply, ParseRequest } from "./parse-messages.js";

/** A batch ends at this many sources or this many characters of text, whichever comes first. */
const BATCH_SOURCES = 2000;
const BATCH_CHARACTERS = 2 * 1024 * 1024;

const port = parentPort;
if (!port) throw new Error("parse-worker.ts runs as a worker thread (see parse-thread.ts)");

port.on("message", (request: ParseRequest) => {
  void handle(request);
});

async function handle({ id, bytes, file, limits }: ParseRequest): Promise<void> {
  const reply = (message: ParseReply) => port!.postMessage(message);
  try {
    const parsed = await parseFile(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, limits);
    let batch: SourceDoc[] = [];
    let characters = 0;
    for (const source of parsed.sources) {
      batch.push(source);
      characters += source.text.length;
      if (batch.length >= BATCH_SOURCES || characters >= BATCH_CHARACTERS) {
        reply({ id, kind: "sources", sources: batch });
        batch = [];
        characters = 0;
      }
    }
    if (batch.length > 0) reply({ id, kind: "sources", sources: batch });
    for (let start = 0; start < parsed.problems.length; start += BATCH_SOURCES) {
      reply({ id, kind: "problems", problems: parsed.problems.slice(start, start + BATCH_SOURCES) });
    }
    reply({ id, kind: "done" });
  } catch (error) {
    reply({ id, kind: "failed", message: (error as Error)?.stack ?? String(error) });
  }
}
