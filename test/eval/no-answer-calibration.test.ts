/**
 * The no-answer thresholds calibrated on the real medqa corpus: no off-topic question is answered,
 * and at most 3% of a sample of real patient questions is lost to "no answer".
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retrieve } from "../../src/retrieval/retrieve.js";
import type { LoadedIndex } from "../../src/store/loaded-index.js";
import { PROJECT_ROOT } from "../support/test-knowledge-bot.js";
import { buildMedqaIndex, readDevQueryLines } from "./medqa-index.js";

let index: LoadedIndex;
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ index, cleanup } = await buildMedqaIndex());
});
afterAll(() => cleanup?.());

describe("no-answer threshold on the medqa corpus", () => {
  it("gives no answer to off-topic questions", async () => {
    const questions = (await readFile(path.join(PROJECT_ROOT, "test/fixtures/off-topic-questions.txt"), "utf8")).trim().split("\n");
    expect(questions.length).toBeGreaterThanOrEqual(50);
    const answered: string[] = [];
    for (const question of questions) if (!(await retrieve(index, question)).noAnswer) answered.push(question);
    expect(answered).toEqual([]);
  });

  it("answers real patient questions (at most 3% lost on a sample of the dev queries)", async () => {
    const lines = await readDevQueryLines();
    const sample = lines.filter((_, position) => position % 13 === 0).map((line) => (JSON.parse(line) as { query: string }).query);
    let lost = 0;
    for (const question of sample) if ((await retrieve(index, question)).noAnswer) lost++;
    expect(sample.length).toBeGreaterThan(250);
    expect(lost / sample.length).toBeLessThanOrEqual(0.03);
  });
});
