/**
 * Wraps a real KnowledgeBot to record the queries the adapter hands it and, when a test asks for
 * it, to hold one question's answer back, while every answer still comes from the real bot.
 */
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { Query } from "../../../src/core/types.js";

export interface RecordingKnowledgeBot extends KnowledgeBot {
  queries: Query[];
  /** Answers to the question `text` wait until the returned function is called. */
  holdAnswersTo(text: string): () => void;
}

export function recordQueries(inner: KnowledgeBot): RecordingKnowledgeBot {
  const queries: Query[] = [];
  const gates = new Map<string, Promise<void>>();
  return {
    queries,
    holdAnswersTo(text) {
      let release!: () => void;
      gates.set(text, new Promise<void>((resolve) => (release = resolve)));
      return () => {
        gates.delete(text);
        release();
      };
    },
    async answer(query) {
      queries.push(query);
      const gate = gates.get(query.text);
      if (gate) await gate;
      return inner.answer(query);
    },
    search: (queryText, limit) => inner.search(queryText, limit),
    reindex: (options) => inner.reindex(options),
    stats: () => inner.stats(),
    exampleQuestions: (limit) => inner.exampleQuestions(limit),
    on: (listener) => inner.on(listener),
  };
}
