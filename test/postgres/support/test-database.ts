/**
 * A database of this test file's own on the run's PostgreSQL (see global-setup.ts), a logger whose
 * lines the test can read, and an admin connection for looking underneath the store.
 */
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createLogger, type Logger } from "../../../src/core/logger.js";
import { serverOn, type PostgresServer } from "./postgres-cluster.js";

export interface CapturedLogger {
  logger: Logger;
  lines: string[];
}

export function capturedLogger(): CapturedLogger {
  const lines: string[] = [];
  return { logger: createLogger("debug", { write: (line: string) => void lines.push(line) }), lines };
}

export interface TestDatabase {
  url: string;
  /** A pool on the same database, outside any store. */
  admin: pg.Pool;
}

/** Creates the database before the file's tests and drops it after. */
export function useTestDatabase(): { get(): TestDatabase } {
  let database: TestDatabase | undefined;
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = serverOn(inject("postgresAdminUrl"));
    const url = await server.createDatabase();
    database = { url, admin: new pg.Pool({ connectionString: url, max: 4 }) };
  });
  afterAll(async () => {
    if (!database || !server) return;
    await database.admin.end();
    await server.dropDatabase(database.url);
  });
  return {
    get() {
      if (!database) throw new Error("the test database is not ready (used outside a test?)");
      return database;
    },
  };
}

/** Empties every table the store keeps, leaving the schema and its recorded migrations. */
export async function emptyTables(admin: pg.Pool): Promise<void> {
  const { rows } = await admin.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'");
  if (rows.length === 0) return;
  await admin.query(`TRUNCATE ${rows.map((row) => `"${row.tablename}"`).join(", ")} RESTART IDENTITY`);
}
