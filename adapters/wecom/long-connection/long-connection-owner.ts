/**
 * One long connection per bot among every replica. WeCom keeps one connection per bot and sends
 * `disconnected_event` to the older one when another subscribes, so replicas that each dialled
 * would kick each other. The replicas sharing a state store take turns through its
 * "wecom-long-connection" lock, the same turn-taking Telegram polling uses
 * (src/state/lock-leader.ts): the holder keeps the connection, the others try the lock every few
 * seconds and one takes over once the holder dies (PostgreSQL drops a dead session's advisory lock).
 *
 * A connection that ends for good (credentials refused, or replaced by an instance outside this set
 * of replicas) also ends the turn-taking here: taking the lock again would dial again, the very
 * loop the two final states exist to avoid. One exception: a replica that lost the lock with its
 * database and kept the connection meanwhile is replaced by whichever replica took the lock; it
 * goes back to waiting for the lock, as the others do.
 */
import type { Logger } from "pino";
import { leadWithLock, type LeaderWording, type LockLeader } from "../../../src/state/lock-leader.js";
import type { StateStore } from "../../../src/state/state-store.js";
import type { WecomLongConnectionConfig } from "../settings.js";
import { openLongConnection, type Ack, type LongConnection, type LongConnectionHandlers } from "./connection.js";
import type { LongConnectionState } from "./connection-state.js";
import { nodeTimers, type ConnectionTimers } from "./timers.js";

export const LONG_CONNECTION_LOCK_NAME = "wecom-long-connection";
/** How often a waiting replica tries the lock: the takeover comes within this after the holder dies. */
export const OWNER_RETRY_MS = 5_000;

const OWNER_WORDING: LeaderWording = {
  taken: "wecom long-connection lock taken; the long connection runs on this replica",
  startedWithoutLock: "state store unreachable; the wecom long connection runs on this replica without the lock until the store answers",
  lost: "wecom long-connection lock lost; the connection stays up here while the lock is tried again",
  stillUnreachable: "state store unreachable; the wecom long connection stays up here without the lock",
  heldElsewhere: "another replica holds the wecom long-connection lock; the connection closed here",
  refused: "wecom long-connection lock refused by the state store; the connection closed here",
  waiting: "another replica holds the wecom long connection; waiting to take over",
  unavailable: "wecom long-connection lock unavailable (state store unreachable or refusing); trying again",
};

export interface LongConnectionOwnerOptions {
  config: WecomLongConnectionConfig;
  /** The state store's locks; without a store this process is the only one and dials at once. */
  locks?: Pick<StateStore, "tryLock" | "health">;
  logger: Logger;
  /** The callbacks' handlers, given the send of whichever connection is up. */
  createHandlers(send: (cmd: string, requestId: string, body: object) => Promise<Ack>): LongConnectionHandlers;
  timers?: ConnectionTimers;
  retryMs?: number;
}

export interface LongConnectionOwner {
  /** Settles once this replica dialled or found another holding the connection. */
  readonly ready: Promise<void>;
  state(): LongConnectionState;
  stop(): Promise<void>;
}

export function startLongConnectionOwner(options: LongConnectionOwnerOptions): LongConnectionOwner {
  const { config, logger, locks } = options;
  const timers = options.timers ?? nodeTimers;
  let connection: LongConnection | undefined;
  let finalState: LongConnectionState | undefined;
  let standbySince = timers.now();
  let leader: LockLeader | undefined;

  const handlers = options.createHandlers((cmd, requestId, body) =>
    connection ? connection.send(cmd, requestId, body) : Promise.resolve({ errcode: -1, errmsg: "this replica no longer holds the long connection" }),
  );

  function open(): LongConnection {
    const current = openLongConnection({
      url: config.url,
      botId: config.botId,
      secret: config.secret,
      logger,
      handlers,
      timers,
      onStateChange(state) {
        if (state.state !== "replaced" && state.state !== "refused") return;
        if (state.state === "replaced" && leader && !leader.holdsLock) {
          // Dialling again without the lock would kick the replica that holds it.
          leader.noteHeldElsewhere();
          logger.warn("wecom long connection replaced while this replica did not hold the lock; another replica took it, this one waits for it again");
          return;
        }
        finalState = state;
        // Synchronously, before the run's end reaches the leader, so it never takes the lock again.
        void leader?.stop();
      },
    });
    connection = current;
    void current.ended.then(() => {
      if (connection !== current) return;
      connection = undefined;
      standbySince = timers.now();
    });
    return current;
  }

  let ready: Promise<void>;
  if (!locks) {
    open();
    ready = Promise.resolve();
  } else {
    leader = leadWithLock({
      lockName: LONG_CONNECTION_LOCK_NAME,
      wording: OWNER_WORDING,
      locks,
      retryMs: options.retryMs ?? OWNER_RETRY_MS,
      logger,
      start() {
        const current = open();
        return { launched: Promise.resolve(), ended: current.ended, stop: () => current.stop() };
      },
    });
    ready = leader.ready;
  }

  return {
    ready,
    state() {
      if (finalState) return finalState;
      if (connection) return connection.state;
      return { state: "standby", since: standbySince, detail: "another replica holds the long connection" };
    },
    async stop() {
      await leader?.stop();
      await connection?.stop();
      finalState ??= { state: "stopped", since: timers.now() };
    },
  };
}
