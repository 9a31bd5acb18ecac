import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSendQueue, readRetryAfter } from "../../adapters/telegram/send-queue.js";

function flood(retryAfter: number) {
  return Object.assign(new Error("429: Too Many Requests"), { code: 429, parameters: { retry_after: retryAfter } });
}

describe("send queue", () => {
  // The queue's waits run on a fake clock: the gaps are exact and no test depends on machine speed.
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("keeps order and the gap between messages within one chat", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 80 });
    const sentAt: [string, number][] = [];
    const started = Date.now();
    const sent = Promise.all(["a", "b", "c"].map((label) => queue.send(1, async () => sentAt.push([label, Date.now() - started]))));
    await vi.runAllTimersAsync();
    await sent;
    expect(sentAt).toEqual([
      ["a", 0],
      ["b", 80],
      ["c", 160],
    ]);
  });

  it("does not make one chat wait for another chat's throttling or retries", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 1000 });
    let attempts = 0;
    const slow = queue.send(1, async () => {
      attempts += 1;
      if (attempts === 1) throw flood(1);
      return "slow";
    });
    let slowSettled = false;
    void slow.then(() => (slowSettled = true));
    // Chat 2 is sent while chat 1 still waits out its retry_after.
    await expect(queue.send(2, async () => "fast")).resolves.toBe("fast");
    expect(slowSettled).toBe(false);
    expect(attempts).toBe(1);
    await vi.runAllTimersAsync();
    expect(await slow).toBe("slow");
  });

  it("retries after retry_after on 429 and gives up after maxRetries", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 0, maxRetries: 2 });
    const retries: number[] = [];
    const retrying = createSendQueue({ perChatIntervalMs: 0, onRetry: ({ retryAfterSeconds }) => retries.push(retryAfterSeconds) });
    let calls = 0;
    const started = Date.now();
    const retried = retrying.send(3, async () => {
      calls += 1;
      if (calls === 1) throw flood(0.2);
      return "ok";
    });
    await vi.runAllTimersAsync();
    await expect(retried).resolves.toBe("ok");
    expect(Date.now() - started).toBe(200);
    expect(retries).toEqual([0.2]);

    let failures = 0;
    const givenUp = queue.send(4, async () => {
      failures += 1;
      throw flood(0);
    });
    const outcome = expect(givenUp).rejects.toThrow("429");
    await vi.runAllTimersAsync();
    await outcome;
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
    const started = Date.now();
    const group = Promise.all(Array.from({ length: 4 }, () => queue.send(-100, async () => sentAt.push(Date.now() - started))));
    // Three go out at once; the fourth waits for the rolling minute.
    await vi.advanceTimersByTimeAsync(59_000);
    expect(sentAt).toEqual([0, 0, 0]);
    await vi.advanceTimersByTimeAsync(1_000);
    await group;
    expect(sentAt).toEqual([0, 0, 0, 60_000]);
    const privateChat = createSendQueue({ perChatIntervalMs: 0, groupMessagesPerMinute: 3 });
    const privateSent: number[] = [];
    const privately = Promise.all(Array.from({ length: 4 }, () => privateChat.send(100, async () => privateSent.push(Date.now() - started))));
    await vi.advanceTimersByTimeAsync(0);
    await privately;
    expect(privateSent).toEqual([60_000, 60_000, 60_000, 60_000]);
  });

  it("onIdle waits for queued sends", async () => {
    const queue = createSendQueue({ perChatIntervalMs: 50 });
    let done = 0;
    for (let index = 0; index < 3; index += 1) void queue.send(6, async () => (done += 1));
    const idle = queue.onIdle();
    await vi.runAllTimersAsync();
    await idle;
    expect(done).toBe(3);
  });

  it("reads retry_after from Telegram errors only for 429", () => {
    expect(readRetryAfter(flood(7))).toBe(7);
    expect(readRetryAfter({ response: { error_code: 429 }, parameters: {} })).toBe(1);
    expect(readRetryAfter({ code: 400 })).toBeUndefined();
    expect(readRetryAfter("boom")).toBeUndefined();
  });
});
