/**
 * Conversation memory kept in the state store, so a follow-up still finds its earlier turns after
 * a restart (and, on a shared store, on another replica). Same rules as the in-memory one: idle
 * expiry from the last turn, only the last `maxTurns` turns, each turn bounded.
 */
import { boundedTurn, type ConversationMemory } from "../conversation/conversation-memory.js";
import type { StateStore } from "./state-store.js";

export interface StoredConversationMemoryOptions {
  store: StateStore;
  idleMs: number;
  maxTurns: number;
  now?: () => number;
}

export function createStoredConversationMemory({ store, idleMs, maxTurns, now = Date.now }: StoredConversationMemoryOptions): ConversationMemory {
  if (!(idleMs > 0)) throw new RangeError("idleMs must be positive");
  if (!(Number.isInteger(maxTurns) && maxTurns > 0)) throw new RangeError("maxTurns must be a positive integer");
  return {
    history(conversationKey) {
      return store.readConversation(conversationKey, now() - idleMs);
    },
    async remember(conversationKey, turn) {
      const time = now();
      const kept = await store.readConversation(conversationKey, time - idleMs);
      await store.writeConversation(conversationKey, [...kept, boundedTurn(turn)].slice(-maxTurns), time);
    },
    forget(conversationKey) {
      return store.deleteConversation(conversationKey);
    },
  };
}
