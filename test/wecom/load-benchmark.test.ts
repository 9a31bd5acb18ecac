import { describe, expect, it } from "vitest";
import { runWecomLoadBenchmark } from "../../bench/wecom-load.js";

describe("WeCom load benchmark", () => {
  it("acknowledges every signed callback and delivers each message exactly once under load", async () => {
    const report = await runWecomLoadBenchmark({ durationSeconds: 1, connections: 8 });
    expect(report.non2xx).toBe(0);
    expect(report.errors).toBe(0);
    expect(report.uniqueMessages as number).toBeGreaterThan(20);
    expect(report.redeliveries as number).toBeGreaterThan(0);
    expect(report.missingReplies).toBe(0);
    expect(report.duplicatedReplies).toBe(0);
    expect(report.deliveredExactlyOnce).toBe(true);
    expect(typeof report.latencyP99Ms).toBe("number");
  });
});
