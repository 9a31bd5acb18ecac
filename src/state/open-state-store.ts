/**
 * The one switch between the two state stores: PostgreSQL when DATABASE_URL is set (several
 * replicas share it), otherwise SQLite in DATA_DIR (one replica, no extra service).
 */
import type { Logger } from "pino";
import { openPostgresStateStore } from "./postgres-state-store.js";
import { openSqliteStateStore } from "./sqlite-state-store.js";
import type { StateStore } from "./state-store.js";

/** DATABASE_URL and DATA_DIR as src/config.ts resolved them (the app configuration fits). */
export interface StateStoreLocation {
  databaseUrl?: string;
  dataDir: string;
}

export async function openStateStore(config: StateStoreLocation, logger: Logger): Promise<StateStore> {
  if (config.databaseUrl) return openPostgresStateStore({ databaseUrl: config.databaseUrl, logger });
  return openSqliteStateStore({ dataDir: config.dataDir });
}
