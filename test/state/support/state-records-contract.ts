/**
 * What every state store must keep, whatever its dialect: the question log's grouping and totals,
 * votes, admin sessions, conversation memory, delivery dedupe and a closed store's refusal. Run on
 * SQLite (test/state/) and on a real PostgreSQL (test/postgres/). `open` returns a fresh, empty
 * store; `countRows` reads a table's size underneath, where a test checks what the API cannot show.
 */
import { afterEach, describe, expect, it } from "vitest";
import { questionGroupKey } from "../../../src/state/question-group-key.js";
import type { QuestionRecord, StateStore } from "../../../src/state/state-store.js";

export interface StateRecordsFactory<Store extends StateStore = StateStore> {
  open(): Promise<Store>;
  countRows(store: Store, table: "feedback" | "dedupe" | "questions"): Promise<number>;
}

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15, 12);

let counter = 0;
function question(text: string, overrides: Partial<QuestionRecord> = {}): QuestionRecord {
  counter++;
  return {
    answerId: `answer-${counter}`,
    text,
    groupKey: questionGroupKey(text),
    platform: "web",
    chatKind: "private",
    conversationHash: "c0ffee",
    answered: false,
    scores: [0.12],
    citedSourceIds: [],
    latencyMs: 4,
    askedAt: NOW,
    ...overrides,
  };
}

export function describeStateRecordsContract<Store extends StateStore>(dialect: string, factory: StateRecordsFactory<Store>): void {
  let opened: Store[] = [];
  async function open(): Promise<Store> {
    const store = await factory.open();
    opened.push(store);
    return store;
  }
  afterEach(async () => {
    for (const store of opened) await store.close();
    opened = [];
  });

  describe(`${dialect}: question log`, () => {
    it("groups wordings that differ in punctuation, width, spaces and script, counting and ranking them", async () => {
      const store = await open();
      await store.recordQuestion(question("宝宝湿疹怎么护理", { askedAt: NOW - 3000 }));
      await store.recordQuestion(question("宝宝湿疹怎么护理？", { askedAt: NOW - 2000, platform: "telegram" }));
      await store.recordQuestion(question(" 寶寶濕疹怎麼護理 ?", { askedAt: NOW - 1000, platform: "wecom" }));
      await store.recordQuestion(question("五指山在哪个省", { askedAt: NOW, answered: true, citedSourceIds: ["geo.md"] }));
      const groups = await store.listQuestions({ filter: "all", days: 7, now: NOW });
      expect(groups.map((group) => [group.text, group.count])).toEqual([
        [" 寶寶濕疹怎麼護理 ?", 3],
        ["五指山在哪个省", 1],
      ]);
      expect(groups[0]!.platforms.sort()).toEqual(["telegram", "web", "wecom"]);
      expect(groups[0]!.noAnswer).toBe(true);
      expect(groups[1]!.topSource).toBe("geo.md");
      expect((await store.listQuestions({ filter: "unanswered", days: 7, now: NOW })).map((group) => group.count)).toEqual([3]);
    });

    it("ties on count are broken by recency; a later answered ask leaves the unanswered queue", async () => {
      const store = await open();
      await store.recordQuestion(question("甲问题", { askedAt: NOW - 5000 }));
      await store.recordQuestion(question("乙问题", { askedAt: NOW - 1000 }));
      expect((await store.listQuestions({ filter: "all", days: 7, now: NOW })).map((group) => group.text)).toEqual(["乙问题", "甲问题"]);
      await store.recordQuestion(question("乙问题", { askedAt: NOW, answered: true, citedSourceIds: ["admin-1"] }));
      expect((await store.listQuestions({ filter: "unanswered", days: 7, now: NOW })).map((group) => group.text)).toEqual(["甲问题"]);
    });

    it("a window shorter than what is kept counts only the asks inside it", async () => {
      const store = await open();
      await store.recordQuestion(question("旧问题", { askedAt: NOW - 10 * DAY }));
      await store.recordQuestion(question("旧问题", { askedAt: NOW - 9 * DAY }));
      await store.recordQuestion(question("旧问题", { askedAt: NOW }));
      await store.recordQuestion(question("新问题", { askedAt: NOW }));
      await store.recordQuestion(question("新问题", { askedAt: NOW - 1000 }));
      const lastWeek = await store.listQuestions({ filter: "all", days: 7, now: NOW });
      expect(lastWeek.map((group) => [group.text, group.count])).toEqual([
        ["新问题", 2],
        ["旧问题", 1],
      ]);
      const all = await store.listQuestions({ filter: "all", days: 30, now: NOW });
      expect(all.map((group) => [group.text, group.count])).toEqual([
        ["旧问题", 3],
        ["新问题", 2],
      ]);
    });

    it("purging takes old asks out of every total and drops their votes", async () => {
      const store = await open();
      await store.recordQuestion(question("旧问题", { answerId: "old", askedAt: NOW - 100 * DAY, answered: true, citedSourceIds: ["a.md"] }));
      await store.recordQuestion(question("旧问题", { answerId: "recent", askedAt: NOW }));
      await store.recordVote({ answerId: "old", voter: "web:1", rating: "down", at: NOW });
      expect(await factory.countRows(store, "feedback")).toBe(1);
      expect(await store.purgeQuestionsBefore(NOW - 90 * DAY)).toBe(1);
      expect(await store.findAnswer("old")).toBeUndefined();
      const [group] = await store.listQuestions({ filter: "all", days: 365, now: NOW });
      expect(group).toMatchObject({ count: 1, downvotes: 0, noAnswerCount: 1 });
      const stats = await store.questionStats({ days: 365, now: NOW });
      expect(stats).toMatchObject({ asked: 1, answered: 0, downvotes: 0, topSources: [] });
      expect(await factory.countRows(store, "feedback")).toBe(0);
      expect(await store.purgeQuestionsBefore(NOW - 90 * DAY)).toBe(0);
    });

    it("keeps at most a number of questions, dropping the oldest first with their votes and totals", async () => {
      const store = await open();
      for (let index = 0; index < 12; index++) {
        await store.recordQuestion(
          question(index % 2 === 0 ? "医保卡丢了怎么补办" : "门诊报销比例是多少", { answerId: `capped-${index}`, askedAt: NOW - (12 - index) * 1000 }),
        );
      }
      await store.recordVote({ answerId: "capped-0", voter: "web:1", rating: "down", at: NOW });
      await store.recordVote({ answerId: "capped-11", voter: "web:1", rating: "up", at: NOW });
      expect(await store.purgeQuestionsBeyond(5)).toBe(7);
      expect(await factory.countRows(store, "questions")).toBe(5);
      for (let index = 0; index < 7; index++) expect(await store.findAnswer(`capped-${index}`)).toBeUndefined();
      for (let index = 7; index < 12; index++) expect(await store.findAnswer(`capped-${index}`)).toBeDefined();
      const stats = await store.questionStats({ days: 7, now: NOW });
      expect(stats).toMatchObject({ asked: 5, upvotes: 1, downvotes: 0 });
      expect(await factory.countRows(store, "feedback")).toBe(1);
      expect(await store.purgeQuestionsBeyond(5)).toBe(0);
      expect(await store.purgeQuestionsBeyond(100)).toBe(0);
    });

    it("keeps the subject a no-answer lacked, as of each question's latest ask, in every window", async () => {
      const store = await open();
      // Side by side, so a dialect that writes in batches writes these in one.
      await Promise.all([
        store.recordQuestion(question("北京医保在上海能用吗", { askedAt: NOW - 9 * DAY, missingSubject: "北京医保在上海使用" })),
        store.recordQuestion(question("北京医保在上海能用吗？", { askedAt: NOW - 1000, missingSubject: "北京医保在上海使用" })),
        store.recordQuestion(question("医保卡丢了怎么补办", { askedAt: NOW - 2000, missingSubject: "补办" })),
        store.recordQuestion(question("明天会下雨吗", { askedAt: NOW - 3000 })),
      ]);
      // An answer has nothing missing, whatever the record says.
      await store.recordQuestion(question("五指山在哪个省", { askedAt: NOW, answered: true, citedSourceIds: ["geo.md"], missingSubject: "五指山" }));
      for (const days of [7, 30]) {
        const groups = await store.listQuestions({ filter: "all", days, now: NOW });
        expect(Object.fromEntries(groups.map((group) => [group.text, group.missingSubject ?? null])), `${days} days`).toEqual({
          "北京医保在上海能用吗？": "北京医保在上海使用",
          医保卡丢了怎么补办: "补办",
          明天会下雨吗: null,
          五指山在哪个省: null,
        });
      }
      // A later ask that is answered leaves the subject behind with the no-answer.
      await store.recordQuestion(question("医保卡丢了怎么补办", { askedAt: NOW + 1000, answered: true, citedSourceIds: ["card.md"] }));
      const [card] = (await store.listQuestions({ filter: "all", days: 7, now: NOW + 1000 })).filter((group) => group.text === "医保卡丢了怎么补办");
      expect(card?.missingSubject).toBeUndefined();
    });

    it("a dismissed question leaves the unanswered and downvoted lists until it is asked again", async () => {
      const store = await open();
      await store.recordQuestion(question("你好", { answerId: "hello", askedAt: NOW - 2000 }));
      await store.recordQuestion(question("甲问题", { askedAt: NOW - 1000 }));
      await store.recordVote({ answerId: "hello", voter: "web:1", rating: "down", at: NOW });
      expect(await store.dismissQuestion(questionGroupKey("你好"), NOW)).toBe(true);
      expect(await store.dismissQuestion("never-asked", NOW)).toBe(false);
      for (const days of [7, 30]) {
        expect(
          (await store.listQuestions({ filter: "unanswered", days, now: NOW })).map((group) => group.text),
          `${days} days`,
        ).toEqual(["甲问题"]);
        expect(await store.listQuestions({ filter: "downvoted", days, now: NOW }), `${days} days`).toEqual([]);
        // The log itself keeps it: the export and the figures still count every ask.
        expect((await store.listQuestions({ filter: "all", days, now: NOW })).map((group) => group.text)).toContain("你好");
      }
      await store.recordQuestion(question("你好！", { askedAt: NOW + 1000 }));
      expect((await store.listQuestions({ filter: "unanswered", days: 7, now: NOW + 1000 })).map((group) => group.text)).toEqual(["你好！", "甲问题"]);
    });

    it("stats count asks, answers, votes and citations per day", async () => {
      const store = await open();
      await store.recordQuestion(question("问一", { answerId: "q1", askedAt: NOW - DAY, answered: true, citedSourceIds: ["a.md", "b.md"] }));
      await store.recordQuestion(question("问二", { answerId: "q2", askedAt: NOW, answered: true, citedSourceIds: ["a.md"] }));
      await store.recordQuestion(question("问三", { answerId: "q3", askedAt: NOW }));
      await store.recordVote({ answerId: "q2", voter: "web:1", rating: "up", at: NOW });
      const stats = await store.questionStats({ days: 7, now: NOW });
      expect(stats.days).toEqual([
        { day: "2026-06-14", asked: 1, answered: 1, upvotes: 0, downvotes: 0 },
        { day: "2026-06-15", asked: 2, answered: 1, upvotes: 1, downvotes: 0 },
      ]);
      expect(stats.topSources).toEqual([
        { sourceId: "a.md", count: 2 },
        { sourceId: "b.md", count: 1 },
      ]);
      expect(stats.topUnanswered.map((group) => group.text)).toEqual(["问三"]);
    });
  });

  describe(`${dialect}: feedback`, () => {
    it("one vote per voter per answer, changeable; unknown answers are refused", async () => {
      const store = await open();
      await store.recordQuestion(question("宝宝湿疹怎么护理", { answerId: "a1" }));
      expect(await store.recordVote({ answerId: "a1", voter: "web:1", rating: "up", at: NOW })).toBe(true);
      expect(await store.recordVote({ answerId: "a1", voter: "web:1", rating: "up", at: NOW })).toBe(true);
      expect(await store.recordVote({ answerId: "a1", voter: "web:2", rating: "up", at: NOW })).toBe(true);
      let [group] = await store.listQuestions({ filter: "all", days: 7, now: NOW });
      expect(group).toMatchObject({ upvotes: 2, downvotes: 0 });
      expect(await store.listQuestions({ filter: "downvoted", days: 7, now: NOW })).toEqual([]);
      expect(await store.recordVote({ answerId: "a1", voter: "web:1", rating: "down", comment: "没说清楚", at: NOW })).toBe(true);
      [group] = await store.listQuestions({ filter: "downvoted", days: 7, now: NOW });
      expect(group).toMatchObject({ upvotes: 1, downvotes: 1 });
      expect(await store.recordVote({ answerId: "nope", voter: "web:1", rating: "up", at: NOW })).toBe(false);
      expect(await store.findAnswer("a1")).toMatchObject({ answerId: "a1", answered: false, platform: "web" });
      expect(await factory.countRows(store, "feedback")).toBe(2);
    });

    it("a vote that must come from the asker counts from them alone; others' are refused, the asker's replace each other", async () => {
      const store = await open();
      // Batched like concurrent answers, so a dialect that writes in batches keeps the asker through them too.
      await Promise.all([
        store.recordQuestion(question("医保卡丢了怎么办", { answerId: "asked", askedBy: "web:asker" })),
        store.recordQuestion(question("门诊报销比例", { answerId: "other", askedBy: "web:other" })),
      ]);
      for (let attempt = 0; attempt < 5; attempt++) {
        expect(await store.recordVote({ answerId: "asked", voter: `web:rotated-${attempt}`, rating: "down", at: NOW, onlyAsker: true })).toBe(false);
      }
      expect(await store.recordVote({ answerId: "asked", voter: "web:asker", rating: "down", at: NOW, onlyAsker: true })).toBe(true);
      expect(await store.recordVote({ answerId: "asked", voter: "web:asker", rating: "up", at: NOW, onlyAsker: true })).toBe(true);
      // Where the answer was shown to a group, anyone in it votes for themselves.
      expect(await store.recordVote({ answerId: "asked", voter: "telegram:member", rating: "up", at: NOW })).toBe(true);
      const group = (await store.listQuestions({ filter: "all", days: 7, now: NOW })).find((entry) => entry.text === "医保卡丢了怎么办");
      expect(group).toMatchObject({ upvotes: 2, downvotes: 0 });
      expect(await factory.countRows(store, "feedback")).toBe(2);
    });
  });

  describe(`${dialect}: sessions, memory and dedupe`, () => {
    it("keeps admin sessions until they expire or are deleted", async () => {
      const store = await open();
      const token = "session-token-that-must-not-be-stored";
      await store.createAdminSession(token, { createdAt: NOW, expiresAt: NOW + 1000 });
      expect(await store.findAdminSession(token, NOW + 999)).toEqual({ createdAt: NOW, expiresAt: NOW + 1000 });
      expect(await store.findAdminSession(token, NOW + 1000)).toBeUndefined();
      expect(await store.findAdminSession("other", NOW)).toBeUndefined();
      await store.deleteAdminSession(token);
      expect(await store.findAdminSession(token, NOW)).toBeUndefined();
    });

    it("reads a conversation's turns until it has been idle too long", async () => {
      const store = await open();
      const turns = [{ question: "江苏呢", resolvedQuestion: "江苏呢", citedSourceIds: ["a.md"], at: NOW, answerId: "x" }];
      await store.writeConversation("web:1", turns, NOW);
      expect(await store.readConversation("web:1", NOW - 1)).toEqual(turns);
      expect(await store.readConversation("web:1", NOW + 1)).toEqual([]);
      await store.deleteConversation("web:1");
      expect(await store.readConversation("web:1", 0)).toEqual([]);
    });

    it("appends turns one at a time, keeping the last ones, starting afresh after the conversation went idle", async () => {
      const store = await open();
      const turn = (n: number) => ({ question: `问${n}`, resolvedQuestion: `问${n}`, citedSourceIds: [`s${n}.md`], at: NOW + n, answerId: `a${n}` });
      for (const n of [1, 2, 3]) await store.appendConversationTurn("web:2", turn(n), { maxTurns: 2, notBefore: NOW - 1000, at: NOW + n });
      expect(await store.readConversation("web:2", NOW)).toEqual([turn(2), turn(3)]);
      // Last written at NOW + 3; with notBefore past that, the earlier turns count as gone.
      await store.appendConversationTurn("web:2", turn(9), { maxTurns: 2, notBefore: NOW + 4, at: NOW + 9 });
      expect(await store.readConversation("web:2", NOW)).toEqual([turn(9)]);
    });

    it("keeps a turn whose text holds half a surrogate pair (a message cut inside an emoji), as U+FFFD where the dialect needs it", async () => {
      const store = await open();
      const turn = { question: "问\uD83D题", resolvedQuestion: "问\uD83D题", citedSourceIds: ["s\uDC00.md"], at: NOW, answerId: "h1" };
      await store.writeConversation("web:4", [turn], NOW);
      await store.appendConversationTurn("web:4", { ...turn, answerId: "h2" }, { maxTurns: 5, notBefore: 0, at: NOW });
      const wellFormed = (text: string) => text.replace(/[\uD800-\uDFFF]/g, "\uFFFD");
      const kept = await store.readConversation("web:4", 0);
      expect(kept.map((entry) => [wellFormed(entry.question), wellFormed(entry.citedSourceIds[0]), entry.answerId])).toEqual([
        ["问\uFFFD题", "s\uFFFD.md", "h1"],
        ["问\uFFFD题", "s\uFFFD.md", "h2"],
      ]);
    });

    it("two appends to one conversation at the same moment both keep their turn", async () => {
      const store = await open();
      const turn = (n: number) => ({ question: `问${n}`, resolvedQuestion: `问${n}`, citedSourceIds: [], at: NOW, answerId: `c${n}` });
      await Promise.all([1, 2, 3, 4].map((n) => store.appendConversationTurn("web:3", turn(n), { maxTurns: 10, notBefore: 0, at: NOW })));
      expect((await store.readConversation("web:3", 0)).map((kept) => kept.answerId).sort()).toEqual(["c1", "c2", "c3", "c4"]);
    });

    it("claims an id once per kind until its time to live has passed; sweep drops expired claims", async () => {
      const store = await open();
      expect(await store.claim("wecom-msgid", "m1", 1000, NOW)).toBe(true);
      expect(await store.claim("wecom-msgid", "m1", 1000, NOW + 999)).toBe(false);
      expect(await store.claim("telegram-update", "m1", 1000, NOW)).toBe(true);
      expect(await store.claim("wecom-msgid", "m1", 1000, NOW + 1000)).toBe(true);
      expect(await factory.countRows(store, "dedupe")).toBe(2);
      await store.sweep(NOW + 5000, NOW);
      expect(await factory.countRows(store, "dedupe")).toBe(0);
    });

    it("a claim taken as a short lease lapses unless confirmed; a confirmed one holds for its time to live and is never shortened", async () => {
      const store = await open();
      expect(await store.claim("wecom-msgid", "lease", 4000, NOW)).toBe(true);
      expect(await store.claim("wecom-msgid", "lease", 4000, NOW + 3999)).toBe(false);
      // Its first taker died before confirming: a retry after the lease is taken.
      expect(await store.claim("wecom-msgid", "lease", 4000, NOW + 4000)).toBe(true);
      await store.confirmClaim("wecom-msgid", "lease", 86_400_000, NOW + 4001);
      expect(await store.claim("wecom-msgid", "lease", 4000, NOW + 60_000)).toBe(false);
      expect(await store.claim("wecom-msgid", "lease", 4000, NOW + 4001 + 86_399_999)).toBe(false);
      expect(await store.claim("wecom-msgid", "lease", 4000, NOW + 4001 + 86_400_000)).toBe(true);
      // A late confirmation with a shorter time to live does not shorten a longer claim.
      await store.confirmClaim("telegram-update", "kept", 86_400_000, NOW);
      await store.confirmClaim("telegram-update", "kept", 1000, NOW);
      expect(await store.claim("telegram-update", "kept", 4000, NOW + 5000)).toBe(false);
    });

    it("refuses work once closed, with the store's own error code", async () => {
      const store = await open();
      await store.close();
      await expect(store.claim("wecom-msgid", "m2", 1000)).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
      await expect(store.recordQuestion(question("关了"))).rejects.toMatchObject({ code: "STATE_STORE_UNAVAILABLE" });
      expect(store.health().state).toBe("degraded");
    });
  });
}
