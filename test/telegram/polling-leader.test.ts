/**
 * The polling leader's turns against a scripted lock source (what tryLock returns or throws, and the
 * store's health), with polling runs that record how they were started and stopped. The same
 * behaviour against a real PostgreSQL taken down and brought back is in
 * test/postgres/telegram-polling-outage.test.ts; these cover the branches an outage rarely hits.
 */
import { afterEach, expect, it } from "vitest";
import { leadPolling, type PollingLeader, type PollingRun } from "../../adapters/telegram/polling-leader.js";
import { createLogger } from "../../src/core/logger.js";
import type { HeldLock, StateHealth } from "../../src/state/state-store.js";
import { waitFor } from "./support/wait-for.js";

interface LogLine {
  msg: string;
}

/** A lock source whose next answers the test sets: a lock, "elsewhere", or a failure with or without the store degraded. */
function scriptedLocks() {
  let answer: "free" | "elsewhere" | "unreachable" | "refused" = "free";
  const held: (HeldLock & { lose(): void })[] = [];
  let tries = 0;
  return {
    held,
    get tries() {
      return tries;
    },
    set(next: typeof answer) {
      answer = next;
    },
    health(): StateHealth {
      return { dialect: "postgres", state: answer === "unreachable" ? "degraded" : "ok" };
    },
    async tryLock(): Promise<HeldLock | undefined> {
      tries++;
      if (answer === "unreachable") throw new Error("connect ECONNREFUSED 127.0.0.1:9");
      if (answer === "refused") throw new Error("permission denied");
      if (answer === "elsewhere") return undefined;
      const lost = new AbortController();
      const lock = { lost: lost.signal, release: async () => undefined, lose: () => lost.abort(new Error("Connection terminated")) };
      held.push(lock);
      return lock;
    },
  };
}

/** Polling runs that start at once and end when stopped. */
function recordedRuns() {
  const runs: { stopped: boolean }[] = [];
  return {
    runs,
    startPolling(): PollingRun {
      const record = { stopped: false };
      runs.push(record);
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      return {
        launched: Promise.resolve(),
        ended,
        stop: async () => {
          record.stopped = true;
          end();
        },
      };
    },
  };
}

let leader: PollingLeader | undefined;
afterEach(async () => {
  await leader?.stop();
  leader = undefined;
});

function start(locks: ReturnType<typeof scriptedLocks>, runs: ReturnType<typeof recordedRuns>, retryMs = 20) {
  const logs: LogLine[] = [];
  const logger = createLogger("debug", { write: (line: string) => void logs.push(JSON.parse(line) as LogLine) });
  leader = leadPolling({ locks, retryMs, outageRetryMs: 10, logger, startPolling: () => runs.startPolling() });
  return { leader, logs };
}

it("keeps the same run through a lost lock while the store is unreachable, and goes on holding the lock it takes back", async () => {
  const locks = scriptedLocks();
  const runs = recordedRuns();
  const { leader, logs } = start(locks, runs);
  await leader.ready;
  expect(leader.polling).toBe(true);

  locks.set("unreachable");
  locks.held[0]!.lose();
  const triesAtLoss = locks.tries;
  await waitFor(() => (locks.tries >= triesAtLoss + 3 ? true : undefined));
  expect(leader.polling).toBe(true);
  expect(logs.filter((line) => line.msg === "state store unreachable; telegram long polling goes on here without the lock")).toHaveLength(1);

  locks.set("free");
  await waitFor(() => (locks.held.length === 2 ? true : undefined));
  expect(runs.runs).toEqual([{ stopped: false }]);
  expect(leader.polling).toBe(true);
});

it("stops polling when, the store reachable again, another replica holds the lock", async () => {
  const locks = scriptedLocks();
  const runs = recordedRuns();
  const { leader, logs } = start(locks, runs);
  await leader.ready;
  locks.set("unreachable");
  locks.held[0]!.lose();
  await waitFor(() => logs.find((line) => line.msg === "state store unreachable; telegram long polling goes on here without the lock"));

  locks.set("elsewhere");
  await waitFor(() => (runs.runs[0]!.stopped ? true : undefined));
  expect(leader.polling).toBe(false);
  expect(logs).toContainEqual(expect.objectContaining({ msg: "another replica holds the telegram polling lock; polling stopped here" }));
  // Back to waiting: it does not poll while the other holds the lock.
  const triesWhenStopped = locks.tries;
  await waitFor(() => (locks.tries >= triesWhenStopped + 2 ? true : undefined));
  expect(runs.runs).toHaveLength(1);
});

it("stops polling when the reachable store refuses the lock", async () => {
  const locks = scriptedLocks();
  const runs = recordedRuns();
  const { leader } = start(locks, runs);
  await leader.ready;
  locks.set("refused");
  locks.held[0]!.lose();
  await waitFor(() => (runs.runs[0]!.stopped ? true : undefined));
  expect(leader.polling).toBe(false);
});

it("polls without the lock when the store is unreachable at the first try, and takes the lock once it answers", async () => {
  const locks = scriptedLocks();
  locks.set("unreachable");
  const runs = recordedRuns();
  const { leader, logs } = start(locks, runs);
  await leader.ready;
  expect(leader.polling).toBe(true);
  expect(logs).toContainEqual(
    expect.objectContaining({ msg: "state store unreachable; telegram long polling runs on this replica without the lock until the store answers" }),
  );
  locks.set("free");
  await waitFor(() => (locks.held.length === 1 ? true : undefined));
  expect(runs.runs).toEqual([{ stopped: false }]);
});

it("does not poll without the lock once it has seen another replica hold it", async () => {
  const locks = scriptedLocks();
  locks.set("elsewhere");
  const runs = recordedRuns();
  const { leader } = start(locks, runs);
  await leader.ready;
  expect(leader.polling).toBe(false);
  locks.set("unreachable");
  const triesAtOutage = locks.tries;
  await waitFor(() => (locks.tries >= triesAtOutage + 3 ? true : undefined));
  expect(runs.runs).toHaveLength(0);

  locks.set("free");
  await waitFor(() => (runs.runs.length === 1 ? true : undefined));
  expect(leader.polling).toBe(true);
});
