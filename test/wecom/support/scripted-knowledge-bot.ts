/**
 * A KnowledgeBot whose answers are scripted: for the late-answer case (an answer slower than the
 * stream window) and for events, where the real index adds nothing.
 */
import type { KnowledgeBot, KnowledgeBotEvent } from "../../../src/core/knowledge-bot.js";
import type { Answer, IndexStats, Query, ReindexSummary } from "../../../src/core/types.js";

export interface ScriptedKnowledgeBot extends KnowledgeBot {
  readonly questions: Query[];
  emit(event: KnowledgeBotEvent): void;
}

export const SCRIPTED_STATS: IndexStats = {
  version: "v-test",
  builtAt: "2025-01-01T00:00:00.000Z",
  sources: 3,
  chunks: 12,
  embedder: { id: "local", model: "test-model", dimensions: 8 },
};

export function scriptedSummary(overrides: Partial<ReindexSummary> = {}): ReindexSummary {
  return {
    version: "v-next",
    added: ["a.md"],
    changed: [],
    removed: [],
    unchanged: 2,
    sources: 3,
    chunks: 12,
    embeddedChunks: 4,
    errors: [],
    dryRun: false,
    full: false,
    durationMs: 1234,
    ...overrides,
  };
}

export function createScriptedKnowledgeBot(script: { answer: (query: Query) => Promise<Answer> }): ScriptedKnowledgeBot {
  const listeners = new Set<(event: KnowledgeBotEvent) => void>();
  const questions: Query[] = [];
  return {
    questions,
    async answer(query) {
      questions.push(query);
      return script.answer(query);
    },
    async search() {
      return [];
    },
    async reindex() {
      const summary = scriptedSummary();
      for (const listener of listeners) listener({ type: "reindexed", summary });
      return summary;
    },
    stats: () => SCRIPTED_STATS,
    exampleQuestions: () => ["亲情账户和家庭共济账户有什么区别"],
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const listener of listeners) listener(event);
    },
  };
}

export function cannedAnswer(text = "“示例段落。”[1]"): Answer {
  return {
    text,
    paragraphs: [{ text: text.replace(/\[1\]$/, ""), citations: [1] }],
    passages: [],
    citations: [{ n: 1, sourceId: "a.md", title: "示例来源", url: "http://127.0.0.1/kb/a.md" }],
    disclaimer: false,
    related: [],
    noAnswer: false,
  };
}
