/** The re-index summary written in slices is the same text JSON.stringify writes. */
import { describe, expect, it } from "vitest";
import { pacedJson } from "../../src/server/paced-json.js";

describe("pacedJson", () => {
  it("writes what JSON.stringify writes, long arrays included, undefined members left out", async () => {
    const summary = {
      version: "v1",
      added: Array.from({ length: 45_001 }, (_, index) => `row-${index} "引号" \\ ${index}`),
      changed: [],
      missing: undefined,
      nothing: null,
      errors: [{ file: "a.csv", line: 2, code: "SOURCE_MALFORMED", message: "坏行" }],
    };
    expect(await pacedJson(summary)).toBe(JSON.stringify(summary));
  });
});
