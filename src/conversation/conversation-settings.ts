/**
 * The conversation layer built from the app config: the in-memory store with the configured idle
 * expiry and turn limit, and the responder over it. main.ts builds one and hands it to every
 * platform; an adapter or route created without one (tests, benchmarks) builds its own here.
 */
import type { Logger } from "pino";
import type { AppConfig } from "../config.js";
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import { createInMemoryConversationMemory, type ConversationMemory } from "./conversation-memory.js";
import type { Responder } from "./incoming.js";
import { createResponder } from "./responder.js";

export function createConfiguredMemory(config: Pick<AppConfig, "conversation">): ConversationMemory {
  return createInMemoryConversationMemory({ idleMs: config.conversation.idleMinutes * 60_000, maxTurns: config.conversation.maxTurns });
}

export function createConfiguredResponder(input: { bot: KnowledgeBot; config: AppConfig; logger: Logger }): Responder {
  return createResponder({ bot: input.bot, memory: createConfiguredMemory(input.config), config: input.config, logger: input.logger });
}
