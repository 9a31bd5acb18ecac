import { defineConfig } from "vitest/config";

/**
 * `npm run test:postgres`: the state store and the replicas on a real PostgreSQL (Debian's
 * `postgresql` package, or the server TEST_DATABASE_URL names). Not part of `npm test`, which needs
 * nothing beside the clone.
 */
export default defineConfig({
  test: {
    include: ["test/postgres/**/*.test.ts"],
    globalSetup: ["test/postgres/support/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
