/**
 * What the entry point hands a chat platform's adapter (the `ChatAdapter` contract is in
 * src/core/chat-adapter.ts). It lives in the conversation layer because it carries the shared
 * responder and the state store; the core below may know neither.
 */
import type { Logger } from "pino";
import type { KnowledgeBot } from "../core/knowledge-bot.js";
import type { StateStore } from "../state/state-store.js";
import type { ConversationSettings } from "./conversation-settings.js";
import type { Responder } from "./incoming.js";

/**
 * `Settings` names what the adapter reads of the configuration beside the conversation's part (its
 * own platform's slice, the body limit); main.ts passes the whole configuration, which fits every
 * adapter's, so an adapter never imports src/config.ts.
 */
export interface ChatAdapterContext<Settings extends object = object> {
  bot: KnowledgeBot;
  config: ConversationSettings & Settings;
  logger: Logger;
  /**
   * The one responder every platform shares (commands, texts, limits, memory); main.ts passes it.
   * An adapter created without one (tests, benchmarks) builds its own from `bot` and `config`.
   */
  responder?: Responder;
  /** The state store: delivery dedupe that survives a restart, and answer feedback. In memory when absent. */
  store?: StateStore;
}
