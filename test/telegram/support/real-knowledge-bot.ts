/**
 * The real knowledge bot (a real index built from the knowledge folder) as the Telegram tests use
 * it: citation links point at a public-looking base URL, as they do in production, so the reply
 * carries the URL buttons Telegram accepts.
 */
import { createTestKnowledgeBot } from "../../support/test-knowledge-bot.js";

export const TEST_PUBLIC_BASE_URL = "https://kb.example.org";

export function createRealKnowledgeBot() {
  return createTestKnowledgeBot({ publicBaseUrl: TEST_PUBLIC_BASE_URL });
}
