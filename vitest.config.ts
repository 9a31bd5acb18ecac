import { defineConfig } from "vitest/config";

/**
 * `npm test`: everything that needs neither Chromium nor the medqa evaluation set, so it passes on a
 * fresh clone with no network. The browser, eval and PostgreSQL suites have their own configs.
 */
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/browser/**", "test/eval/**", "test/postgres/**", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Native HNSW and jieba work is CPU-bound; two workers match the two cores.
    pool: "forks",
    maxWorkers: 2,
  },
});
