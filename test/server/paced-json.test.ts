/** The re-index summary written in slices is the same text JSON.stringify writes. */
import { describe, expect, it } from "vitest";
import { pacedJsonStream } from "../../src/server/paced-json.js";

async function read(stream: ReadableStream<Uint8Array>): Promise<{ text: string; pieces: number }> {
  const pieces: Uint8Array[] = [];
  for await (const piece of stream) pieces.push(piece);
  return { text: Buffer.concat(pieces).toString("utf8"), pieces: pieces.length };
}

describe("pacedJsonStream", () => {
  it("writes what JSON.stringify writes, long arrays included, undefined members left out", async () => {
    const summary = {
      version: "v1",
      added: Array.from({ length: 45_001 }, (_, index) => `row-${index} "引号" \\ ${index}`),
      changed: [],
      missing: undefined,
      nothing: null,
      errors: [{ file: "a.csv", line: 2, code: "SOURCE_MALFORMED", message: "坏行" }],
    };
    // The response body sends the same text, in more than one piece.
    const { text, pieces } = await read(pacedJsonStream(summary));
    expect(text).toBe(JSON.stringify(summary));
    expect(pieces).toBeGreaterThan(3);
    expect((await read(pacedJsonStream({}))).text).toBe("{}");
  });
});
