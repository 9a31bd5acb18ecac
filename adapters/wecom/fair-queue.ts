/**
 * Answers run on a shared pool, but each conversation may hold only a few of its slots. A burst
 * from one busy group waits in that group's own line instead of in front of everyone else.
 */
import PQueue from "p-queue";

export interface FairQueueOptions {
  /** Answers computed at once across all conversations. */
  concurrency?: number;
  /** Answers computed at once for one conversation (a user, or a group chat). */
  perKeyConcurrency?: number;
  /** Questions one conversation may have waiting or running; more are refused. */
  maxQueuedPerKey?: number;
  /** Called when a task throws; tasks should handle their own errors, this is the last net. */
  onTaskError?: (error: unknown) => void;
}

export interface FairQueue {
  /** Queues `task` under `key`; returns false (and drops it) when that key's line is full. */
  enqueue(key: string, task: () => Promise<void>): boolean;
  /** Resolves when every queued task has finished. */
  onIdle(): Promise<void>;
  /** Tasks waiting or running, over all keys. */
  readonly size: number;
}

export function createFairQueue(options: FairQueueOptions = {}): FairQueue {
  const shared = new PQueue({ concurrency: options.concurrency ?? 4 });
  const perKeyConcurrency = options.perKeyConcurrency ?? 1;
  const maxQueuedPerKey = options.maxQueuedPerKey ?? 10;
  const lines = new Map<string, { queue: PQueue; count: number }>();
  const running = new Set<Promise<void>>();

  function enqueue(key: string, task: () => Promise<void>): boolean {
    let line = lines.get(key);
    if (!line) {
      line = { queue: new PQueue({ concurrency: perKeyConcurrency }), count: 0 };
      lines.set(key, line);
    }
    if (line.count >= maxQueuedPerKey) return false;
    line.count += 1;
    const current = line;
    const done = current.queue
      .add(() => shared.add(task))
      .catch((error: unknown) => options.onTaskError?.(error))
      .finally(() => {
        current.count -= 1;
        if (current.count === 0 && lines.get(key) === current) lines.delete(key);
        running.delete(done);
      });
    running.add(done);
    return true;
  }

  return {
    enqueue,
    async onIdle() {
      while (running.size > 0) await Promise.all([...running]);
    },
    get size() {
      return running.size;
    },
  };
}
