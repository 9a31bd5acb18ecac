/**
 * Parsing off the server's thread. A 1,000,000-row CSV took 22.8 s to parse and a large .xlsx
 * 8–10 s, and while a file parsed on the thread that serves requests every request waited. Files
 * are parsed here on one worker thread instead (one file at a time, so the folder's order and the
 * memory of one file's parse are kept), and the sources come back in batches that the server's
 * thread takes between requests.
 *
 * The worker's heap is capped (`maxParseHeapMb`): a file whose parse needs more ends that worker,
 * is reported `SOURCE_TOO_LARGE` by name, and the next file gets a fresh worker.
 *
 * From compiled code the worker is `parse-worker.js` beside this file. Run from source (vitest,
 * tsx) it is `parse-worker.ts`, which plain Node cannot load, so that worker starts with tsx's
 * loader; tsx is a development dependency and only the source path needs it.
 */
import { Worker } from "node:worker_threads";
import { interruptionError } from "./build-pacer.js";
import type { IndexLimits } from "./index-limits.js";
import type { ParseReply, ParseRequest } from "./parse-messages.js";
import type { ParsedFile } from "./parsed-file.js";
import { tooLargeProblem } from "./parsed-file.js";

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
const WORKER_EXEC_ARGV = FROM_SOURCE ? ["--import", "tsx"] : undefined;

interface Pending {
  id: number;
  file: string;
  limits: IndexLimits;
  result: ParsedFile;
  resolve: (parsed: ParsedFile) => void;
  reject: (error: unknown) => void;
}

export class ParseThread {
  private worker: Worker | undefined;
  private pending: Pending | undefined;
  private nextId = 1;
  private heapMb = 0;

  constructor(private readonly signal?: AbortSignal) {}

  /** The file's sources and problems, as `parseFile` gives them on this thread. */
  parse(bytes: Buffer, file: string, limits: IndexLimits): Promise<ParsedFile> {
    if (this.pending) return Promise.reject(new Error("the parse thread reads one file at a time"));
    if (this.signal?.aborted) return Promise.reject(interruptionError(this.signal.reason));
    const worker = this.workerFor(limits.maxParseHeapMb);
    return new Promise<ParsedFile>((resolve, reject) => {
      const id = this.nextId++;
      this.pending = { id, file, limits, result: { sources: [], problems: [] }, resolve, reject };
      // The bytes are copied, not moved: a small Buffer may share its memory with others.
      const request: ParseRequest = { id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, limits };
      worker.postMessage(request);
    });
  }

  /** Ends the worker; a parse under way is rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.signal?.removeEventListener("abort", this.onAbort);
    if (worker) await worker.terminate();
  }

  private workerFor(heapMb: number): Worker {
    if (this.worker && this.heapMb === heapMb) return this.worker;
    if (this.worker) void this.worker.terminate();
    const worker = new Worker(WORKER_URL, {
      ...(WORKER_EXEC_ARGV ? { execArgv: WORKER_EXEC_ARGV } : {}),
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    worker.on("message", (reply: ParseReply) => this.onReply(reply));
    worker.on("error", (error) => this.onWorkerEnd(worker, error));
    worker.on("exit", (code) => this.onWorkerEnd(worker, new Error(`the parse thread exited with code ${code}`)));
    this.signal?.addEventListener("abort", this.onAbort, { once: true });
    this.worker = worker;
    this.heapMb = heapMb;
    return worker;
  }

  private onReply(reply: ParseReply): void {
    const pending = this.pending;
    if (!pending || reply.id !== pending.id) return;
    switch (reply.kind) {
      case "sources":
        for (const source of reply.sources) pending.result.sources.push(source);
        return;
      case "problems":
        for (const problem of reply.problems) pending.result.problems.push(problem);
        return;
      case "done":
        this.pending = undefined;
        pending.resolve(pending.result);
        return;
      case "failed":
        this.pending = undefined;
        pending.reject(new Error(`parsing ${pending.file} failed: ${reply.message}`));
        return;
    }
  }

  /** The worker ended: out of heap is the file's fault (reported by name); anything else is raised. */
  private onWorkerEnd(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return;
    if (this.signal?.aborted) return pending.reject(interruptionError(this.signal.reason));
    if ((error as { code?: string }).code === "ERR_WORKER_OUT_OF_MEMORY") {
      pending.resolve({
        sources: [],
        problems: [
          tooLargeProblem(
            pending.file,
            `parsing the file needed more than ${pending.limits.maxParseHeapMb} MB of memory (MAX_PARSE_HEAP_MB); it was not indexed`,
            "Split the file into smaller ones, or raise MAX_PARSE_HEAP_MB if files this large are expected.",
          ),
        ],
      });
      return;
    }
    pending.reject(new Error(`parsing ${pending.file} stopped the parse thread: ${error.message}`, { cause: error }));
  }

  private readonly onAbort = () => {
    const worker = this.worker;
    this.worker = undefined;
    const pending = this.pending;
    this.pending = undefined;
    if (worker) void worker.terminate();
    pending?.reject(interruptionError(this.signal?.reason));
  };
}
