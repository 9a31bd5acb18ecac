/**
 * Wraps a real KnowledgeBot to record the queries the adapter hands it and, when a test asks for
 * it, to hold one chat's answer back, while every answer still comes from the real bot.
 */
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import type { Query } from "../../../src/core/types.js";

export interface RecordingKnowledgeBot extends KnowledgeBot {
  queries: Query[];
  /** Answers for `chatId` wait until the returned function is called. */
  holdAnswersFor(chatId: number): () => void;
}

export function recordQueries(inner: KnowledgeBot): RecordingKnowledgeBot {
  const queries: Query[] = [];
  const gates = new Map<string, Promise<void>>();
  return {
    queries,
    holdAnswersFor(chatId) {
      let release!: () => void;
      gates.set(String(chatId), new Promise<void>((resolve) => (release = resolve)));
      return () => {
        gates.delete(String(chatId));
        release();
      };
    },
    async answer(query) {
      queries.push(query);
      const gate = query.chatId === undefined ? undefined : gates.get(query.chatId);
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
