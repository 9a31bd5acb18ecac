import { describe, expect, it } from "vitest";
import { renderHelpText, renderReindexReport } from "../../adapters/telegram/bot-texts.js";
import { startTyping } from "../../adapters/telegram/typing-indicator.js";
import { parseTelegramHtml } from "./support/telegram-html.js";

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

describe("bot texts", () => {
  it("help text escapes example questions and names the bot for groups", () => {
    const html = renderHelpText({ botUsername: "kb_bot", sourceCount: 12, exampleQuestions: ["a<b & c?"], privateChat: false });
    const parsed = parseTelegramHtml(html);
    expect(parsed.ok && parsed.visibleText).toContain("12 篇资料");
    expect(parsed.ok && parsed.visibleText).toContain("• a<b & c?");
    expect(parsed.ok && parsed.visibleText).toContain("/ask@kb_bot");
  });

  it("re-index report lists counts, time and escaped file problems", () => {
    const html = renderReindexReport({
      version: "v3",
      added: ["a", "b"],
      changed: ["c"],
      removed: [],
      unchanged: 4,
      sources: 7,
      chunks: 30,
      embeddedChunks: 5,
      errors: [{ file: "faq<1>.csv", line: 3, code: "SOURCE_MALFORMED", message: "bad & broken" }],
      dryRun: false,
      full: false,
      durationMs: 2345,
    });
    const parsed = parseTelegramHtml(html);
    if (!parsed.ok) throw new Error(parsed.description);
    expect(parsed.visibleText).toContain("新增 2，修改 1，删除 0，未变 4");
    expect(parsed.visibleText).toContain("用时 2.3 秒");
    expect(parsed.visibleText).toContain("faq<1>.csv:3 — bad & broken");
  });
});
