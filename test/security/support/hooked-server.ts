/**
 * A real server on 127.0.0.1 over a real index whose bot reports re-index progress to the test,
 * so a test can act at a given phase of a server re-index (start a rival, remove the lock).
 */
import { LocalKnowledgeBot } from "../../../src/bot/local-knowledge-bot.js";
import { loadConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/core/logger.js";
import type { ReindexProgress } from "../../../src/ingest/build-index.js";
import type { IndexLimits } from "../../../src/ingest/index-limits.js";
import { createServer } from "../../../src/server/create-server.js";

export const ADMIN_TOKEN = "test-admin-token-0123456789";

export interface HookedServer {
  url: string;
  bot: LocalKnowledgeBot;
  /** Called with every progress report of every re-index the bot runs. */
  onProgress: (progress: ReindexProgress) => void;
  ask(question: string): Promise<Response>;
  reindex(body: unknown): Promise<Response>;
  close(): Promise<void>;
}

export async function startHookedServer(knowledgeDir: string, indexDir: string, limits?: Partial<IndexLimits>): Promise<HookedServer> {
  const hooked: { onProgress: (progress: ReindexProgress) => void } = { onProgress: () => undefined };
  const bot = await LocalKnowledgeBot.open(
    {
      knowledgeDir,
      indexDir,
      embedder: { kind: "local", batchSize: 64 },
      publicBaseUrl: "http://127.0.0.1:3000",
      ...(limits ? { limits } : {}),
      onReindexProgress: (progress) => hooked.onProgress(progress),
    },
    { buildIfMissing: true },
  );
  const config = loadConfig({
    KNOWLEDGE_DIR: knowledgeDir,
    INDEX_DIR: indexDir,
    PUBLIC_BASE_URL: "http://127.0.0.1:3000",
    ADMIN_TOKEN,
    RATE_LIMIT_PER_MINUTE: "1000000",
  });
  const server = createServer({ bot, config, logger: createLogger("silent"), indexPollMs: 0 });
  const { port } = await server.start({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${port}`;
  const post = (route: string, body: unknown) =>
    fetch(`${url}${route}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify(body),
    });
  return {
    url,
    bot,
    get onProgress() {
      return hooked.onProgress;
    },
    set onProgress(listener) {
      hooked.onProgress = listener;
    },
    ask: (question) => post("/api/ask", { question }),
    reindex: (body) => post("/api/reindex", body),
    close: async () => {
      await bot.close();
      await server.close();
    },
  };
}
