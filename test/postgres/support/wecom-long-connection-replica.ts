/**
 * One replica holding (or waiting for) the WeCom long connection, in a process of its own so a test
 * can kill -9 it: its own PostgreSQL store, the real WeCom adapter with a scripted bot, log lines on
 * stderr. Arguments: the database URL, then the long-connection URL.
 */
import { createWecomAdapter } from "../../../adapters/wecom/index.js";
import { loadConfig } from "../../../src/config.js";
import { createLogger } from "../../../src/core/logger.js";
import { openPostgresStateStore } from "../../../src/state/postgres-state-store.js";
import { cannedAnswer, createScriptedKnowledgeBot } from "../../support/scripted-knowledge-bot.js";
import { LONG_CONNECTION_KEYS } from "../../wecom/support/long-connection-harness.js";

const [databaseUrl, url] = process.argv.slice(2);
const logger = createLogger("info");
const store = await openPostgresStateStore({ databaseUrl: databaseUrl!, logger, lockHeartbeatMs: 200 });
const config = loadConfig({
  WECOM_BOT_ID: LONG_CONNECTION_KEYS.botId,
  WECOM_BOT_SECRET: LONG_CONNECTION_KEYS.secret,
  WECOM_BOT_WS_URL: url!,
  DATABASE_URL: databaseUrl!,
});
const adapter = createWecomAdapter({ bot: createScriptedKnowledgeBot(() => cannedAnswer()), config, logger, store }, { longConnectionRetryMs: 200 });
await adapter.start();
logger.info("replica started");
