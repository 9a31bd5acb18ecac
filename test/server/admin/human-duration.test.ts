/** The console's re-index durations in human units; the page script's function, run here as the browser runs it. */
import { describe, expect, it } from "vitest";
import { HUMAN_DURATION_SCRIPT } from "../../../src/server/admin/human-duration.js";

const humanDuration = new Function(`${HUMAN_DURATION_SCRIPT}\nreturn humanDuration;`)() as (ms: unknown) => string;

describe("humanDuration", () => {
  it.each([
    [0, "0 毫秒"],
    [850.4, "850 毫秒"],
    [999.4, "999 毫秒"],
    [999.6, "1 秒"],
    [1126.8042419999983, "1.1 秒"],
    [12_000, "12 秒"],
    [59_960, "1 分"],
    [125_000, "2 分 5 秒"],
    [3_600_000, "1 小时"],
    [3_930_000, "1 小时 5 分"],
  ])("%s ms reads %s", (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });

  it("prints nothing for a missing duration", () => {
    expect(humanDuration(undefined)).toBe("");
  });
});
