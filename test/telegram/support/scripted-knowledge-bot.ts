/**
 * A KnowledgeBot whose answers the test dictates. Used only where the output must be controlled
 * (an answer over Telegram's length limit, a send that meets flood control); every other test
 * talks to the real knowledge bot built from the knowledge folder.
 */
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { Answer, IndexStats, Query, ReindexSummary } from "../../../src/core/types.js";

export interface ScriptedKnowledgeBot extends KnowledgeBot {
  /** Every query received, in order. */
  queries: Query[];
}

export function createScriptedKnowledgeBot(answerFor: (query: Query) => Answer | Promise<Answer>): ScriptedKnowledgeBot {
  const queries: Query[] = [];
  const stats: IndexStats = {
    version: "scripted-1",
    builtAt: "2026-01-01T00:00:00.000Z",
    sources: 1,
    chunks: 1,
    embedder: { id: "scripted", model: "scripted", dimensions: 1 },
  };
  return {
    queries,
    async answer(query) {
      queries.push(query);
      return answerFor(query);
    },
    async search() {
      return [];
    },
    async reindex(): Promise<ReindexSummary> {
      return {
        version: stats.version,
        added: [],
        changed: [],
        removed: [],
        unchanged: 1,
        sources: 1,
        chunks: 1,
        embeddedChunks: 0,
        errors: [],
        dryRun: false,
        full: false,
        durationMs: 5,
      };
    },
    stats: () => stats,
    exampleQuestions: () => ["示例问题"],
    on: () => () => undefined,
  };
}

/** An answer of `paragraphs` cited paragraphs, each about `paragraphLength` characters long. */
export function longAnswer(paragraphs: number, paragraphLength: number): Answer {
  const sentence = "家庭共济账户可以支付近亲属就医时个人负担的费用<且>要先授权&备案。";
  const body = Array.from({ length: paragraphs }, (_, index) => ({
    text: `第${index + 1}段：${sentence.repeat(Math.ceil(paragraphLength / sentence.length)).slice(0, paragraphLength)}`,
    citations: [(index % 2) + 1],
  }));
  return {
    text: body.map((paragraph) => `${paragraph.text}[${paragraph.citations[0]}]`).join("\n\n"),
    paragraphs: body,
    passages: [],
    citations: [
      { n: 1, sourceId: "a.md", title: "家庭共济账户", url: "https://kb.example.org/kb/a.md" },
      { n: 2, sourceId: "b.md", title: "亲情账户 & 电子凭证", url: "https://kb.example.org/kb/b.md?x=1&y=2" },
    ],
    disclaimer: false,
    related: [],
    noAnswer: false,
  };
}
