import { describe, expect, it } from "vitest";
import { runWecomLoadBenchmark } from "../../bench/wecom-load.js";

describe("WeCom load benchmark", () => {
  it("acknowledges every signed callback and delivers each message exactly once under load", async () => {
    const report = await runWecomLoadBenchmark({ durationSeconds: 2, connections: 8, redeliveryEvery: 3 });
    // The whole report in the assertion, so a failure shows every number.
    expect(report).toMatchObject({ non2xx: 0, errors: 0, missingReplies: 0, duplicatedReplies: 0, deliveredExactlyOnce: true });
    // Throughput depends on the machine; the run must still see fresh messages and re-deliveries.
    expect(report.uniqueMessages as number).toBeGreaterThan(0);
    expect(report.redeliveries as number).toBeGreaterThan(0);
    expect(typeof report.latencyP99Ms).toBe("number");
  });
});
