// TEMPORARY stand-in until test/support/test-knowledge-bot.ts lands.
import type { KnowledgeBot } from "../../../src/core/knowledge-bot.js";
import { MEDICAL_DISCLAIMER } from "../../../src/core/medical-disclaimer.js";

export async function createTestKnowledgeBot(): Promise<{ bot: KnowledgeBot; cleanup(): Promise<void> }> {
  const bot: KnowledgeBot = {
    async answer(query) {
      if (!query.text.includes("账户")) {
        return { text: "没有找到相关内容，请换个说法再问。", passages: [], citations: [], disclaimer: false, related: [], noAnswer: true };
      }
      return {
        text: `「家庭共济账户：允许职工医保个人账户资金授权给配偶、父母、子女等近亲属使用。」[1]\n\n${MEDICAL_DISCLAIMER}`,
        passages: [],
        citations: [{ n: 1, sourceId: "000.txt", title: "职工医保亲情账户和共济账户区别", url: "https://kb.example.org/kb/000.txt" }],
        disclaimer: true,
        related: [{ sourceId: "000.txt#related-1", title: "吉林省医保可以在陕西用吗", url: "https://kb.example.org/kb/000.txt%23related-1" }],
        noAnswer: false,
      };
    },
    async search() { return []; },
    async reindex() {
      return { version: "v2", added: ["a"], changed: [], removed: [], unchanged: 1, sources: 5, chunks: 20, embeddedChunks: 3, errors: [], dryRun: false, full: false, durationMs: 1234 };
    },
    stats: () => ({ version: "v1", builtAt: "2026-01-01", sources: 5, chunks: 20, embedder: { id: "local", model: "m", dimensions: 256 } }),
    exampleQuestions: () => ["亲情账户和家庭共济账户有什么区别"],
    on: () => () => undefined,
  };
  return { bot, cleanup: async () => undefined };
}
