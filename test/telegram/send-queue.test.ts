import { describe, expect, it } from "vitest";
import { createSendQueue, readRetryAfter } from "../../adapters/telegram/send-queue.js";

function flood(retryAfter: number) {
  return Object.assign(new Error("429: Too Many Requests"), { code: 429, parameters: { retry_after: retryAfter } });
}

describe("send queue", () => {
  it("keeps order and the gap between messages within one chat", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 80 });
    const sentAt: [string, number][] = [];
    const started = Date.now();
    await Promise.all(["a", "b", "c"].map((label) => queue.send(1, async () => sentAt.push([label, Date.now() - started]))));
    expect(sentAt.map(([label]) => label)).toEqual(["a", "b", "c"]);
    expect(sentAt[1][1] - sentAt[0][1]).toBeGreaterThanOrEqual(75);
    expect(sentAt[2][1] - sentAt[1][1]).toBeGreaterThanOrEqual(75);
  });

  it("does not make one chat wait for another chat's throttling or retries", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 1000 });
    let attempts = 0;
    const slow = queue.send(1, async () => {
      attempts += 1;
      if (attempts === 1) throw flood(1);
      return "slow";
    });
    const started = Date.now();
    await queue.send(2, async () => "fast");
    expect(Date.now() - started).toBeLessThan(200);
    expect(await slow).toBe("slow");
  });

  it("retries after retry_after on 429 and gives up after maxRetries", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 0, maxRetries: 2 });
    const retries: number[] = [];
    const retrying = createSendQueue({ perChatIntervalMs: 0, onRetry: ({ retryAfterSeconds }) => retries.push(retryAfterSeconds) });
    let calls = 0;
    const started = Date.now();
    await expect(
      retrying.send(3, async () => {
        calls += 1;
        if (calls === 1) throw flood(0.2);
        return "ok";
      }),
    ).resolves.toBe("ok");
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(retries).toEqual([0.2]);

    let failures = 0;
    await expect(
      queue.send(4, async () => {
        failures += 1;
        throw flood(0);
      }),
    ).rejects.toThrow("429");
    expect(failures).toBe(3);
  });

  it("does not retry other errors", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 0 });
    let calls = 0;
    await expect(
      queue.send(5, async () => {
        calls += 1;
        throw Object.assign(new Error("400: Bad Request: chat not found"), { code: 400 });
      }),
    ).rejects.toThrow("chat not found");
    expect(calls).toBe(1);
  });

  it("holds a group to its per-minute limit", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 0, groupMessagesPerMinute: 3 });
    const sentAt: number[] = [];
    Array.from({ length: 4 }, () => void queue.send(-100, async () => sentAt.push(Date.now())));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Three went out at once; the fourth waits for the rolling minute.
    expect(sentAt).toHaveLength(3);
    const privateChat = createSendQueue({ perChatIntervalMs: 0, groupMessagesPerMinute: 3 });
    const privateSent: number[] = [];
    await Promise.all(Array.from({ length: 4 }, () => privateChat.send(100, async () => privateSent.push(Date.now()))));
    expect(privateSent).toHaveLength(4);
  });

  it("onIdle waits for queued sends", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 50 });
    let done = 0;
    for (let index = 0; index < 3; index += 1) void queue.send(6, async () => (done += 1));
    await queue.onIdle();
    expect(done).toBe(3);
  });

  it("reads retry_after from Telegram errors only for 429", () => {
    expect(readRetryAfter(flood(7))).toBe(7);
    expect(readRetryAfter({ response: { error_code: 429 }, parameters: {} })).toBe(1);
    expect(readRetryAfter({ code: 400 })).toBeUndefined();
    expect(readRetryAfter("boom")).toBeUndefined();
  });
});
