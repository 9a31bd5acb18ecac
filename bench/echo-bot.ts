/**
 * A knowledge bot for the WeCom benchmarks: it echoes the question with one citation, so each reply
 * names the message it belongs to. `thinkMs` delays the answer, as a real search and compose would
 * (the stream benchmark needs a few refreshes per message).
 */
import type { KnowledgeBot } from "../src/core/knowledge-bot.js";
import type { Answer } from "../src/core/types.js";

export function createEchoBot({ thinkMs = 0 }: { thinkMs?: number } = {}): KnowledgeBot {
  return {
    async answer(query): Promise<Answer> {
      if (thinkMs > 0) await new Promise((resolve) => setTimeout(resolve, thinkMs));
      return {
        text: `“收到：${query.text}”[1]`,
        paragraphs: [{ text: `“收到：${query.text}”`, citations: [1] }],
        passages: [],
        citations: [{ n: 1, sourceId: "bench.md", title: "Bench", url: "http://127.0.0.1/kb/bench.md" }],
        disclaimer: false,
        related: [],
        noAnswer: false,
      };
    },
    search: async () => [],
    reindex: async () => {
      throw new Error("not used in the benchmark");
    },
    stats: () => ({ version: "bench", builtAt: "", sources: 1, chunks: 1, embedder: { id: "none", model: "none", dimensions: 0 } }),
    exampleQuestions: () => [],
    on: () => () => {},
  };
}
