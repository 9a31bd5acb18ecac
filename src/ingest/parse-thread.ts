/**
 * Parsing off the server's thread. A 1,000,000-row CSV took 22.8 s to parse and a large .xlsx
 * 8–10 s, and while a file parsed on the thread that serves requests every request waited. Files
 * are parsed here on one worker thread instead (one file at a time, so the folder's order and the
 * memory of one file's parse are kept), and the sources come back in batches that the server's
 * thread takes between requests.
 *
 * The worker's heap is capped (`maxParseHeapMb`): a file whose parse needs more ends that worker,
 * is reported `SOURCE_TOO_LARGE` by name, and the next file gets a fresh worker. Loading the parsers
 * takes a worker about a second, so an idle worker is kept for the next re-index for a while.
 *
 * From compiled code the worker is `parse-worker.js` beside this file. Run from source (vitest,
 * tsx) it is `parse-worker.ts`, which plain Node cannot load, so that worker starts with tsx's
 * loader; tsx is a development dependency and only the source path needs it.
 */
import { Worker } from "node:worker_threads";
import { interruptionError } from "../core/build-pacer.js";
import type { IndexLimits } from "./index-limits.js";
import type { ParseReply, ParseRequest } from "./parse-messages.js";
import type { ParsedFile } from "./parsed-file.js";
import { tooLargeProblem } from "./parsed-file.js";

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./parse-worker.ts" : "./parse-worker.js", import.meta.url);
/** How long an idle worker waits for the next load before it is ended. */
const IDLE_MS = 60_000;
/**
 * A worker that parsed a file larger than this is ended, not kept idle: its heap still holds that
 * file's garbage, which an idle isolate does not collect, while the build goes on to segment and
 * insert the graph. A 50 MB table of 100,000 rows: build peak RSS 1,235 → 1,070 MB. medqa's 4 MB
 * table keeps its worker for the next re-index.
 */
const MAX_BYTES_TO_KEEP_IDLE = 16 * 1024 * 1024;

/**
 * Node 20 does not apply `--import tsx` to a worker's own modules, so from source the worker first
 * registers tsx's loader, then imports the .ts entry.
 */
function startWorker(heapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: heapMb };
  const worker = FROM_SOURCE ? new Worker(sourceBootstrap(), { eval: true, resourceLimits }) : new Worker(WORKER_URL, { resourceLimits });
  // A parse waiting on the worker hears of its end through its own listeners; an idle one just goes.
  worker.on("error", () => undefined);
  worker.on("exit", () => {
    if (idle?.worker !== worker) return;
    clearTimeout(idle.timer);
    idle = undefined;
  });
  return worker;
}

/** tsx found from this file (not from the working folder, which may be anywhere), then the .ts entry. */
function sourceBootstrap(): string {
  const tsx = import.meta.resolve("tsx/esm/api");
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
}

let idle: { worker: Worker; heapMb: number; timer: NodeJS.Timeout } | undefined;

/** True while a worker waits idle for the next load (for tests). */
export const hasIdleWorker = (): boolean => idle !== undefined;

function takeWorker(heapMb: number): Worker {
  if (idle) {
    const kept = idle;
    idle = undefined;
    clearTimeout(kept.timer);
    if (kept.heapMb === heapMb) {
      kept.worker.ref();
      return kept.worker;
    }
    void kept.worker.terminate();
  }
  return startWorker(heapMb);
}

function keepIdle(worker: Worker, heapMb: number): void {
  if (idle) {
    void worker.terminate();
    return;
  }
  // An idle worker keeps no process alive; the timer ends it if no load comes.
  worker.unref();
  const timer = setTimeout(() => {
    if (idle?.worker !== worker) return;
    idle = undefined;
    void worker.terminate();
  }, IDLE_MS).unref();
  idle = { worker, heapMb, timer };
}

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
  private largestFile = 0;

  constructor(private readonly signal?: AbortSignal) {}

  /**
   * The file's sources and problems, as `parseFile` gives them on this thread. The bytes are handed
   * over: a Buffer larger than Node's pool moves to the parse thread and is empty afterwards.
   */
  parse(bytes: Buffer, file: string, limits: IndexLimits): Promise<ParsedFile> {
    if (this.pending) return Promise.reject(new Error("the parse thread reads one file at a time"));
    if (this.signal?.aborted) return Promise.reject(interruptionError(this.signal.reason));
    const worker = this.workerFor(limits.maxParseHeapMb);
    this.largestFile = Math.max(this.largestFile, bytes.byteLength);
    return new Promise<ParsedFile>((resolve, reject) => {
      const id = this.nextId++;
      this.pending = { id, file, limits, result: { sources: [], problems: [] }, resolve, reject };
      const request: ParseRequest = { kind: "parse", id, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, limits };
      // A large file's memory is moved to the thread, not copied (copying 40 MB held this thread for
      // a sixth of a second); a small Buffer may share Node's pool with others, so it is copied.
      const ownMemory = bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength > Buffer.poolSize;
      worker.postMessage(request, ownMemory ? [bytes.buffer as ArrayBuffer] : []);
    });
  }

  /** Done with the worker: it is kept idle for the next load, or ended when a parse is still under way or it read a large file. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.signal?.removeEventListener("abort", this.onAbort);
    if (!worker) return;
    this.release(worker);
    if (this.pending || this.largestFile > MAX_BYTES_TO_KEEP_IDLE) {
      this.pending = undefined;
      await worker.terminate();
    } else keepIdle(worker, this.heapMb);
  }

  private workerFor(heapMb: number): Worker {
    if (this.worker && this.heapMb === heapMb) return this.worker;
    if (this.worker) {
      this.release(this.worker);
      void this.worker.terminate();
    }
    const worker = takeWorker(heapMb);
    worker.on("message", this.onMessage);
    worker.on("error", this.onError);
    worker.on("exit", this.onExit);
    if (!this.worker) this.signal?.addEventListener("abort", this.onAbort, { once: true });
    this.worker = worker;
    this.heapMb = heapMb;
    return worker;
  }

  private release(worker: Worker): void {
    worker.off("message", this.onMessage);
    worker.off("error", this.onError);
    worker.off("exit", this.onExit);
  }

  private readonly onMessage = (reply: ParseReply) => this.onReply(reply);
  private readonly onError = (error: Error) => this.onWorkerEnd(error);
  private readonly onExit = (code: number) => this.onWorkerEnd(new Error(`the parse thread exited with code ${code}`));

  private onReply(reply: ParseReply): void {
    const pending = this.pending;
    if (!pending || reply.id !== pending.id) return;
    switch (reply.kind) {
      case "sources":
        for (const source of reply.sources) pending.result.sources.push(source);
        return this.askForNext(pending.id);
      case "problems":
        for (const problem of reply.problems) pending.result.problems.push(problem);
        return this.askForNext(pending.id);
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
  private onWorkerEnd(error: Error): void {
    const worker = this.worker;
    if (!worker) return;
    this.release(worker);
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

  /** The next batch once this thread has had a turn to answer requests (see parse-messages.ts). */
  private askForNext(id: number): void {
    setImmediate(() => {
      if (this.pending?.id === id) this.worker?.postMessage({ kind: "next", id } satisfies ParseRequest);
    });
  }

  private readonly onAbort = () => {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) this.release(worker);
    const pending = this.pending;
    this.pending = undefined;
    if (worker) void worker.terminate();
    pending?.reject(interruptionError(this.signal?.reason));
  };
}
