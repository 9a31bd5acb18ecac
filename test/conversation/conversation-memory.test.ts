import { describe, expect, it } from "vitest";
import { createInMemoryConversationMemory } from "../../src/conversation/conversation-memory.js";
import type { ConversationTurn } from "../../src/core/types.js";

const turn = (question: string, at = 0): ConversationTurn => ({ question, resolvedQuestion: question, citedSourceIds: [`${question}.md`], at });

/** A clock the test moves by hand, so expiry is shown without waiting. */
function manualClock() {
  let time = 1_000_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe("in-memory conversation memory", () => {
  it("returns the turns of a conversation oldest first, and nothing for an unknown one", async () => {
    const memory = createInMemoryConversationMemory({ idleMs: 60_000, maxTurns: 10 });
    await memory.remember("chat-1", turn("江苏省内农保卡可以跨市使用么"));
    await memory.remember("chat-1", turn("那吉林呢？"));
    await memory.remember("chat-2", turn("乙肝会遗传给孩子吗"));
    expect((await memory.history("chat-1")).map((kept) => kept.question)).toEqual(["江苏省内农保卡可以跨市使用么", "那吉林呢？"]);
    expect((await memory.history("chat-2")).map((kept) => kept.question)).toEqual(["乙肝会遗传给孩子吗"]);
    expect(await memory.history("nobody")).toEqual([]);
  });

  it("keeps only the last maxTurns turns", async () => {
    const memory = createInMemoryConversationMemory({ idleMs: 60_000, maxTurns: 3 });
    for (const question of ["一", "二", "三", "四", "五"]) await memory.remember("chat", turn(question));
    expect((await memory.history("chat")).map((kept) => kept.question)).toEqual(["三", "四", "五"]);
  });

  it("starts over after the conversation was idle past expiry; a new turn restarts the idle time", async () => {
    const clock = manualClock();
    const memory = createInMemoryConversationMemory({ idleMs: 30 * 60_000, maxTurns: 10, now: clock.now });
    await memory.remember("chat", turn("第一问"));
    clock.advance(20 * 60_000);
    await memory.remember("chat", turn("第二问"));
    clock.advance(20 * 60_000);
    // 40 minutes after the first turn but only 20 after the last: still one conversation.
    expect((await memory.history("chat")).map((kept) => kept.question)).toEqual(["第一问", "第二问"]);
    // Reading is not activity.
    clock.advance(10 * 60_000 + 1);
    expect(await memory.history("chat")).toEqual([]);
    await memory.remember("chat", turn("新的一问"));
    expect((await memory.history("chat")).map((kept) => kept.question)).toEqual(["新的一问"]);
  });

  it("forget starts a conversation over without touching the others", async () => {
    const memory = createInMemoryConversationMemory({ idleMs: 60_000, maxTurns: 10 });
    await memory.remember("chat-1", turn("甲"));
    await memory.remember("chat-2", turn("乙"));
    await memory.forget("chat-1");
    expect(await memory.history("chat-1")).toEqual([]);
    expect((await memory.history("chat-2")).map((kept) => kept.question)).toEqual(["乙"]);
  });

  it("holds at most maxConversations conversations, dropping the least recently used", async () => {
    const memory = createInMemoryConversationMemory({ idleMs: 60_000, maxTurns: 10, maxConversations: 2 });
    await memory.remember("a", turn("甲"));
    await memory.remember("b", turn("乙"));
    await memory.history("a"); // a is now more recently used than b
    await memory.remember("c", turn("丙"));
    expect(await memory.history("b")).toEqual([]);
    expect((await memory.history("a")).map((kept) => kept.question)).toEqual(["甲"]);
    expect((await memory.history("c")).map((kept) => kept.question)).toEqual(["丙"]);
  });

  it("bounds what one turn stores and hands out copies", async () => {
    const memory = createInMemoryConversationMemory({ idleMs: 60_000, maxTurns: 10 });
    await memory.remember("chat", {
      question: "问".repeat(50_000),
      resolvedQuestion: "问".repeat(50_000),
      citedSourceIds: Array.from({ length: 500 }, (_, n) => `s${n}`),
      at: 1,
    });
    const [kept] = await memory.history("chat");
    expect(kept.question.length).toBeLessThanOrEqual(1_000);
    expect(kept.resolvedQuestion.length).toBeLessThanOrEqual(1_000);
    expect(kept.citedSourceIds.length).toBeLessThanOrEqual(20);
    kept.citedSourceIds.push("changed");
    kept.question = "changed";
    const [again] = await memory.history("chat");
    expect(again.question).not.toBe("changed");
    expect(again.citedSourceIds).not.toContain("changed");
  });

  it("refuses settings that would keep nothing", () => {
    expect(() => createInMemoryConversationMemory({ idleMs: 0, maxTurns: 10 })).toThrow(RangeError);
    expect(() => createInMemoryConversationMemory({ idleMs: 1000, maxTurns: 0 })).toThrow(RangeError);
  });
});
