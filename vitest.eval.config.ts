import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { EVAL_DIR, EVAL_FILES } from "./test/eval/eval-dir.js";

/**
 * `npm run test:eval`: retrieval quality and the no-answer calibration on the medqa evaluation set,
 * which is not shipped with the project. It is read from EVAL_DIR (default ../shared/eval/medqa).
 */
const missing = EVAL_FILES.filter((file) => !existsSync(`${EVAL_DIR}/${file}`));
if (missing.length > 0) {
  throw new Error(
    `test:eval needs the medqa evaluation set, but ${EVAL_DIR} lacks ${missing.join(" and ")}. ` +
      "Point EVAL_DIR at the folder holding corpus.csv and dev-queries.jsonl (default ../shared/eval/medqa).",
  );
}

export default defineConfig({
  test: {
    include: ["test/eval/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    maxWorkers: 2,
  },
});
