/**
 * The conversation layer built from the app config: conversation memory with the configured idle
 * expiry and turn limit (in the state store when there is one, in memory otherwise), the question
 * log, and the responder over them. main.ts builds one and hands it to every platform; an adapter
 * or route created without one (tests, benchmarks) builds its own here.
 */
import type { Logger } from "pino";
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import { createQuestionLog } from "../state/question-log.js";
import type { StateStore } from "../state/state-store.js";
import { createInMemoryConversationMemory, type ConversationMemory } from "./conversation-memory.js";
import type { Responder } from "./incoming.js";
import { createResponder, type ResponderLimits } from "./responder.js";
import { createStoredConversationMemory } from "./stored-conversation-memory.js";

/** The settings the conversation layer reads; src/config.ts resolves them into the app configuration. */
export interface ConversationSettings extends ResponderLimits {
  /** Conversation memory: a conversation idle this long starts over; only the last `maxTurns` turns are kept. */
  conversation: { idleMinutes: number; maxTurns: number };
  /** The question log: on or off, and how many days entries are kept before the server purges them. */
  questionLog: { enabled: boolean; retentionDays: number };
}

export function createConfiguredMemory(config: Pick<ConversationSettings, "conversation">, store?: StateStore): ConversationMemory {
  const idleMs = config.conversation.idleMinutes * 60_000;
  if (store) return createStoredConversationMemory({ store, idleMs, maxTurns: config.conversation.maxTurns });
  return createInMemoryConversationMemory({ idleMs, maxTurns: config.conversation.maxTurns });
}

export function createConfiguredResponder(input: { bot: KnowledgeBot; config: ConversationSettings; logger: Logger; store?: StateStore }): Responder {
  return createResponder({
    bot: input.bot,
    memory: createConfiguredMemory(input.config, input.store),
    config: input.config,
    logger: input.logger,
    questionLog: createQuestionLog({ store: input.store, enabled: input.config.questionLog.enabled, logger: input.logger }),
    votes: input.config.questionLog.enabled ? input.store : undefined,
  });
}
