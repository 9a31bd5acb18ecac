/** The re-index summary written in slices is the same text JSON.stringify writes. */
import { describe, expect, it } from "vitest";
import { pacedJson, pacedJsonStream } from "../../src/server/paced-json.js";

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
    // The response body sends the same text, in more than one piece.
    const pieces: Uint8Array[] = [];
    for await (const piece of pacedJsonStream(summary)) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(3);
    expect(Buffer.concat(pieces).toString("utf8")).toBe(JSON.stringify(summary));
    expect(await pacedJson({})).toBe("{}");
  });
});
