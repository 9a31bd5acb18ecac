import { describe, expect, it } from "vitest";
import { startTyping } from "../../adapters/telegram/typing-indicator.js";

describe("typing indicator", () => {
  it("repeats the chat action until stopped and reports failures instead of throwing", async () => {
    const calls: unknown[] = [];
    const errors: unknown[] = [];
    const stop = startTyping(
      async (target) => {
        calls.push(target);
        if (calls.length === 2) throw new Error("500: Internal Server Error");
      },
      { chatId: -5, messageThreadId: 9 },
      (error) => errors.push(error),
      30,
    );
    await new Promise((resolve) => setTimeout(resolve, 110));
    stop();
    const countAtStop = calls.length;
    expect(countAtStop).toBeGreaterThanOrEqual(3);
    expect(calls[0]).toEqual({ chatId: -5, messageThreadId: 9 });
    expect(errors).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(calls.length).toBe(countAtStop);
  });
});
