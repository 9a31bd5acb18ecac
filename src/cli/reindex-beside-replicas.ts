/**
 * `kb reindex` beside replicas that share a PostgreSQL state store (DATABASE_URL set). The build
 * takes the replicas' re-index lock, as a re-index started on a replica does (it waits up to
 * REINDEX_LOCK_WAIT_MS for another, then fails with INDEX_LOCKED); it announces the version it
 * published, so every running replica switches at once rather than at its next CURRENT poll; and
 * it records the run in the shared re-index history with the reason "cli", so the documents page
 * names it. A database that cannot be reached does not stop the re-index: the index folder's file
 * lock still keeps writers apart, and the replicas find the version through CURRENT.
 */
import type { AppConfig } from "../config.js";
import type { Logger } from "../core/logger.js";
import { INDEX_CHANNEL, withReplicaReindexLock } from "../bot/replica-reindex-lock.js";
import type { BuildIndexResult } from "../ingest/build-index.js";
import { openPostgresStateStore } from "../state/postgres-state-store.js";

/** The reason the re-index history shows for a run of `kb reindex`. */
export const CLI_REINDEX_REASON = "cli";

export interface ReindexBesideReplicasOptions {
  config: Pick<AppConfig, "databaseUrl" | "limits">;
  logger: Logger;
  /** Ctrl-C: stops the wait for the lock as it stops the build. */
  signal: AbortSignal;
  /** How long a store that cannot be reached is given to connect (default 5 s). */
  connectTimeoutMs?: number;
}

export async function reindexBesideReplicas(
  { config, logger, signal, connectTimeoutMs }: ReindexBesideReplicasOptions,
  build: (lockLost?: AbortSignal) => Promise<BuildIndexResult>,
): Promise<BuildIndexResult> {
  if (!config.databaseUrl) return build();
  const store = await openPostgresStateStore({ databaseUrl: config.databaseUrl, logger, maxConnections: 2, connectTimeoutMs });
  const record = (run: Parameters<typeof store.recordReindexRun>[0]) =>
    store.recordReindexRun(run).catch((error: unknown) => {
      logger.warn({ err: error }, "re-index run not recorded in the state store (unreachable); the documents page will not list it");
    });
  try {
    let result: BuildIndexResult;
    try {
      result = await withReplicaReindexLock(store, { waitMs: config.limits.lockWaitMs, signal, logger }, build);
    } catch (error) {
      await record({ finishedAt: Date.now(), ok: false, reason: CLI_REINDEX_REASON, error: (error as Error).message });
      throw error;
    }
    const { summary } = result;
    if (!summary.dryRun && summary.version) {
      await store.announce(INDEX_CHANNEL, summary.version).catch((error: unknown) => {
        logger.warn(
          { err: error, version: summary.version },
          "new index version not announced (state store unreachable); the replicas notice it through CURRENT",
        );
      });
      await record({ finishedAt: Date.now(), ok: true, reason: CLI_REINDEX_REASON, summary });
    }
    return result;
  } finally {
    await store.close();
  }
}
