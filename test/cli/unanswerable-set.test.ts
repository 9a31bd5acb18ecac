/**
 * The topics-removed construction counts a topic only where it is a word of its own: a row on
 * 乙肝大三阳 does not mention 肝大 (an enlarged liver), so it stays, and a question about 乙肝大三阳
 * stays covered.
 */
import { describe, expect, it } from "vitest";
import { buildUnanswerableSet } from "../../src/cli/unanswerable-set.js";

const CORPUS = [
  "id,question,answer",
  "a,乙肝大三阳能治好吗,乙肝大三阳要抗病毒治疗，定期复查肝功能。",
  "b,肝大是怎么回事,肝大是指肝脏体积增大，常见于脂肪肝和肝炎。",
  "c,口臭怎么办,口臭多与口腔卫生和胃病有关。",
].join("\n");

describe("a topic removed from the corpus", () => {
  it("is removed where it is a word, not inside another word", () => {
    const set = buildUnanswerableSet(
      CORPUS,
      [
        { query: "乙肝大三阳能不能治好", expected: ["a"] },
        { query: "肝大要紧吗", expected: ["b"] },
      ],
      [{ name: "肝大", words: ["肝大"] }],
    );
    expect([...set.removedIds]).toEqual(["b"]);
    expect(set.queries).toEqual([
      { query: "乙肝大三阳能不能治好", expected: ["a"] },
      { query: "肝大要紧吗", expected: [], topic: "肝大" },
    ]);
  });
});
