import { describe, expect, it } from "vitest";
import { stripMentions } from "../../adapters/wecom/ai-bot-message.js";
import { createDedupeStore } from "../../adapters/wecom/dedupe-store.js";
import { createFairQueue } from "../../adapters/wecom/fair-queue.js";

describe("dedupe store", () => {
  it("answers the same id once, keeps the first value, and forgets after the TTL", () => {
    let time = 0;
    const store = createDedupeStore<string>({ ttlMs: 1000, now: () => time });
    expect(store.claim("4561255354251345929", () => "first")).toEqual({ isNew: true, value: "first" });
    expect(store.claim("4561255354251345929", () => "second")).toEqual({ isNew: false, value: "first" });
    // Ids that differ only beyond 2^53 stay distinct because they are strings.
    expect(store.claim("4561255354251345928", () => "other").isNew).toBe(true);
    time = 1001;
    expect(store.claim("4561255354251345929", () => "again").isNew).toBe(true);
  });

  it("stays within its size bound, forgetting the oldest first", () => {
    const store = createDedupeStore({ maxEntries: 3 });
    for (const id of ["a", "b", "c", "d"]) store.claim(id, () => true);
    expect(store.size).toBe(3);
    expect(store.claim("a", () => true).isNew).toBe(true);
    expect(store.claim("d", () => true).isNew).toBe(false);
  });
});

describe("fair queue", () => {
  it("lets a quiet conversation through while a busy one waits in its own line", async () => {
    const queue = createFairQueue({ concurrency: 2, perKeyConcurrency: 1, maxQueuedPerKey: 50 });
    const finished: string[] = [];
    const slow = (label: string) => async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished.push(label);
    };
    for (let index = 0; index < 10; index += 1) queue.enqueue("group:busy", slow(`busy-${index}`));
    queue.enqueue("user:quiet", slow("quiet"));
    await queue.onIdle();
    expect(finished).toHaveLength(11);
    // With one slot per conversation the quiet user is served alongside the first busy task.
    expect(finished.indexOf("quiet")).toBeLessThanOrEqual(1);
  });

  it("refuses work beyond a conversation's backlog and reports task errors", async () => {
    const errors: unknown[] = [];
    const queue = createFairQueue({ maxQueuedPerKey: 2, onTaskError: (error) => errors.push(error) });
    const never = () => new Promise<void>((resolve) => setTimeout(resolve, 30));
    expect(queue.enqueue("user:a", never)).toBe(true);
    expect(queue.enqueue("user:a", never)).toBe(true);
    expect(queue.enqueue("user:a", never)).toBe(false);
    expect(queue.enqueue("user:b", async () => Promise.reject(new Error("boom")))).toBe(true);
    await queue.onIdle();
    expect(errors).toHaveLength(1);
    expect(queue.enqueue("user:a", never)).toBe(true);
    await queue.onIdle();
  });
});

describe("mention stripping", () => {
  it("removes @mentions anywhere but keeps e-mail addresses", () => {
    expect(stripMentions("@知识助手 亲情账户和家庭共济账户有什么区别")).toBe("亲情账户和家庭共济账户有什么区别");
    expect(stripMentions("亲情账户怎么开通 @知识助手")).toBe("亲情账户怎么开通");
    expect(stripMentions("@RobotA\u2005hello @someone robot")).toBe("hello robot");
    expect(stripMentions("mail a@b.com please")).toBe("mail a@b.com please");
  });
});
