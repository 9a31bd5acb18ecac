import { existsSync } from "node:fs";
import { defineConfig } from "vitest/config";
import { CHROMIUM_PATH } from "./test/browser/chromium-path.js";

/**
 * `npm run test:browser`: the tests that need Debian packages: the web page in headless Chromium
 * (`apt-get install chromium`) and OCR with Tesseract (`apt-get install tesseract-ocr tesseract-ocr-chi-sim`).
 */
if (!existsSync(CHROMIUM_PATH)) {
  throw new Error(
    `test:browser needs Debian's Chromium at ${CHROMIUM_PATH} (apt-get install chromium; .ci/run installs it). Set CHROMIUM_PATH to use another build.`,
  );
}

export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    maxWorkers: 1,
  },
});
