/**
 * One PostgreSQL for the whole `npm run test:postgres` run (TEST_DATABASE_URL's server, or a
 * throw-away cluster); each test file creates a database of its own in it, so files run in parallel.
 */
import type { TestProject } from "vitest/node";
import { configuredServer, startPostgresCluster, type PostgresCluster } from "./postgres-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  const server = configuredServer() ?? (cluster = await startPostgresCluster());
  project.provide("postgresAdminUrl", server.adminUrl);
}

export async function teardown(): Promise<void> {
  await cluster?.remove();
}
