/**
 * The missing subject on its way to the queue: the question log keeps it for a no-answer only,
 * masked like the question, and the queue gathers questions under it with counts, biggest first.
 */
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import type { Answer } from "../../src/core/types.js";
import { groupByMissingSubject } from "../../src/state/missing-subjects.js";
import { createQuestionLog } from "../../src/state/question-log.js";
import { questionGroupKey } from "../../src/state/question-group-key.js";
import { openSqliteStateStore } from "../../src/state/sqlite-state-store.js";
import type { QuestionGroup } from "../../src/state/state-store.js";

const NOW = Date.UTC(2026, 5, 15, 12);

function answer(fields: Partial<Answer>): Answer {
  return { paragraphs: [], text: "", passages: [], citations: [], disclaimer: false, related: [], noAnswer: true, ...fields };
}

function group(text: string, count: number, missingSubject: string | undefined, lastAskedAt = NOW): QuestionGroup {
  return {
    text,
    groupKey: questionGroupKey(text),
    count,
    lastAskedAt,
    platforms: ["web"],
    noAnswer: true,
    noAnswerCount: count,
    upvotes: 0,
    downvotes: 0,
    ...(missingSubject ? { missingSubject } : {}),
  };
}

describe("the question log", () => {
  it("keeps the missing subject of a no-answer, masked, and none for an answer", async () => {
    const store = openSqliteStateStore({ dataDir: ":memory:" });
    const log = createQuestionLog({ store, enabled: true, logger: createLogger("silent") });
    const entry = { platform: "web" as const, chatKind: "private" as const, conversationKey: "web:1", latencyMs: 1, askedAt: NOW };
    await log.record({ ...entry, question: "13812345678 的医保卡怎么补办", answer: answer({ missingSubject: "13812345678 补办" }) });
    await log.record({
      ...entry,
      question: "五指山在哪个省",
      answer: answer({ noAnswer: false, missingSubject: "五指山", citations: [{ n: 1, sourceId: "geo.md", title: "五指山", url: "http://x/kb/geo.md" }] }),
    });
    const groups = await store.listQuestions({ filter: "all", days: 7, now: NOW });
    const subjects = Object.fromEntries(groups.map((logged) => [logged.text, logged.missingSubject]));
    expect(Object.values(subjects)).toHaveLength(2);
    expect(subjects["五指山在哪个省"]).toBeUndefined();
    const [masked] = groups.filter((logged) => logged.text !== "五指山在哪个省");
    expect(masked!.missingSubject).toContain("补办");
    expect(masked!.missingSubject).not.toContain("13812345678");
    await store.close();
  });
});

describe("groupByMissingSubject", () => {
  it("adds up each subject's asks, ranks the biggest first and leaves the rest as they are", () => {
    const queue = [
      group("医保卡丢了怎么补办", 2, "补办", NOW - 5),
      group("北京医保在上海能用吗", 2, "北京医保在上海使用", NOW - 10),
      group("明天会下雨吗", 4, undefined),
      group("北京医保到上海看病", 1, "北京醫保在上海使用", NOW - 1),
    ];
    const { bySubject, withoutSubject } = groupByMissingSubject(queue);
    // Traditional and simplified spellings are one subject, named as most recently asked.
    expect(bySubject.map((subject) => [subject.subject, subject.count, subject.questions.map((question) => question.text)])).toEqual([
      ["北京醫保在上海使用", 3, ["北京医保在上海能用吗", "北京医保到上海看病"]],
      ["补办", 2, ["医保卡丢了怎么补办"]],
    ]);
    expect(withoutSubject.map((question) => question.text)).toEqual(["明天会下雨吗"]);
  });
});
