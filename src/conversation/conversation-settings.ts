/**
 * The conversation layer built from the app config: conversation memory with the configured idle
 * expiry and turn limit (in the state store when there is one, in memory otherwise), the question
 * log, and the responder over them. main.ts builds one and hands it to every platform; an adapter
 * or route created without one (tests, benchmarks) builds its own here.
 */
import type { Logger } from "pino";
import type { AppConfig } from "../config.js";
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import { configuredSecrets } from "../core/logger.js";
import { createQuestionLog } from "../state/question-log.js";
import { createSecretMasker } from "../text/mask-secrets.js";
import type { StateStore } from "../state/state-store.js";
import { createStoredConversationMemory } from "../state/stored-conversation-memory.js";
import { createInMemoryConversationMemory, type ConversationMemory } from "./conversation-memory.js";
import type { Responder } from "./incoming.js";
import { createResponder } from "./responder.js";

/** `secrets`: the configured secret values, masked in what a stored memory writes (see configuredSecrets). */
export function createConfiguredMemory(
  config: Pick<AppConfig, "conversation">,
  store?: StateStore,
  secrets: Iterable<string | undefined> = [],
): ConversationMemory {
  const idleMs = config.conversation.idleMinutes * 60_000;
  if (store) return createStoredConversationMemory({ store, idleMs, maxTurns: config.conversation.maxTurns, maskSecrets: createSecretMasker(secrets) });
  return createInMemoryConversationMemory({ idleMs, maxTurns: config.conversation.maxTurns });
}

export function createConfiguredResponder(input: { bot: KnowledgeBot; config: AppConfig; logger: Logger; store?: StateStore }): Responder {
  return createResponder({
    bot: input.bot,
    memory: createConfiguredMemory(input.config, input.store, configuredSecrets(input.config)),
    config: input.config,
    logger: input.logger,
    questionLog: createQuestionLog({
      store: input.store,
      enabled: input.config.questionLog.enabled,
      logger: input.logger,
      secrets: configuredSecrets(input.config),
      maxRows: input.config.questionLog.maxRows,
    }),
    votes: input.config.questionLog.enabled ? input.store : undefined,
  });
}
