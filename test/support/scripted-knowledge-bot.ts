/**
 * The one fake KnowledgeBot of the test suite: its answers are whatever the test dictates. Used only
 * where the output must be controlled (an answer over a platform's length limit, a slow answer, a
 * failure, events); every other test talks to the real knowledge bot built from a knowledge folder.
 */
import type { KnowledgeBot, KnowledgeBotEvent, ReindexOptions } from "../../src/core/knowledge-bot.js";
import type { Answer, IndexStats, Query, ReindexSummary } from "../../src/core/types.js";

export interface ScriptedKnowledgeBot extends KnowledgeBot {
  /** Every query received, in order. */
  readonly queries: Query[];
  /** The options of every re-index asked for, in order. */
  readonly reindexCalls: (ReindexOptions | undefined)[];
  emit(event: KnowledgeBotEvent): void;
}

export const SCRIPTED_STATS: IndexStats = {
  version: "v-test",
  builtAt: "2025-01-01T00:00:00.000Z",
  sources: 3,
  chunks: 12,
  embedder: { id: "local", model: "test-model", dimensions: 8 },
};

export const SCRIPTED_EXAMPLE_QUESTION = "亲情账户和家庭共济账户有什么区别";

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

export interface ScriptedBehaviour {
  /** How a re-index ends; the default reports `scriptedSummary()` (with `full` as asked). */
  reindex?: (options: ReindexOptions | undefined) => Promise<ReindexSummary>;
}

export function createScriptedKnowledgeBot(answerFor: (query: Query) => Answer | Promise<Answer>, behaviour: ScriptedBehaviour = {}): ScriptedKnowledgeBot {
  const listeners = new Set<(event: KnowledgeBotEvent) => void>();
  const queries: Query[] = [];
  const reindexCalls: (ReindexOptions | undefined)[] = [];
  const emit = (event: KnowledgeBotEvent) => {
    for (const listener of listeners) listener(event);
  };
  return {
    queries,
    reindexCalls,
    async answer(query) {
      queries.push(query);
      return answerFor(query);
    },
    async search() {
      return [];
    },
    async reindex(options) {
      reindexCalls.push(options);
      const summary = behaviour.reindex ? await behaviour.reindex(options) : scriptedSummary({ full: options?.full === true });
      emit({ type: "reindexed", summary });
      return summary;
    },
    stats: () => SCRIPTED_STATS,
    exampleQuestions: () => [SCRIPTED_EXAMPLE_QUESTION],
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit,
  };
}

/** A one-paragraph answer citing one source. */
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
