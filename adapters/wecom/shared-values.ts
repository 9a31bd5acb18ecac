/**
 * Where the AI bot keeps what every replica must see (a stream's progress, the feedback ids of its
 * answers): the state store's shared values. Two stand-ins implement the same four calls, so the
 * streams have one code path: a small in-memory version when the adapter runs without a store
 * (tests, the benchmark), and a wrapper that falls back to it while the store cannot be reached,
 * so a replica that lost its database still answers the messages it receives.
 */
import type { Logger } from "pino";
import type { StateStore } from "../../src/state/state-store.js";

export type SharedValues = Pick<StateStore, "putIfAbsent" | "putValue" | "getValue" | "claim">;

/** The four calls on a process Map, with the store's semantics (TTL per entry, first writer wins). */
export function createInMemorySharedValues(options: { maxEntries?: number } = {}): SharedValues {
  const maxEntries = options.maxEntries ?? 20_000;
  // Insertion order is age order, so the oldest entries go first when the map is full.
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const keyOf = (kind: string, key: string) => `${kind}\u0000${key}`;

  function live(kind: string, key: string, now: number): string | undefined {
    const entry = entries.get(keyOf(kind, key));
    return entry && entry.expiresAt > now ? entry.value : undefined;
  }

  function write(kind: string, key: string, value: string, ttlMs: number, now: number): void {
    const id = keyOf(kind, key);
    entries.delete(id);
    while (entries.size >= maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest === undefined) break;
      entries.delete(oldest);
    }
    entries.set(id, { value, expiresAt: now + ttlMs });
  }

  return {
    async putIfAbsent(kind, key, value, ttlMs, now = Date.now()) {
      const existing = live(kind, key, now);
      if (existing !== undefined) return { value: existing, isNew: false };
      write(kind, key, value, ttlMs, now);
      return { value, isNew: true };
    },
    async putValue(kind, key, value, ttlMs, now = Date.now()) {
      write(kind, key, value, ttlMs, now);
    },
    async getValue(kind, key, now = Date.now()) {
      return live(kind, key, now);
    },
    async claim(kind, id, ttlMs, now = Date.now()) {
      if (live(`claim:${kind}`, id, now) !== undefined) return false;
      write(`claim:${kind}`, id, "1", ttlMs, now);
      return true;
    },
  };
}

/**
 * The store's shared values, or the local stand-in for any call the store fails. While the store is
 * down a stream is only known to the replica that opened it; that is the degraded state /healthz
 * reports, and it heals by itself once the store answers again.
 */
export function withLocalFallback(store: SharedValues, logger: Logger): SharedValues {
  const local = createInMemorySharedValues();
  let warned = false;

  async function attempt<Result>(call: () => Promise<Result>, fallback: () => Promise<Result>): Promise<Result> {
    try {
      const result = await call();
      warned = false;
      return result;
    } catch (error) {
      if (!warned) logger.warn({ err: error }, "wecom: state store unavailable; AI-bot streams are kept in this process until it answers again");
      warned = true;
      return fallback();
    }
  }

  return {
    putIfAbsent: (kind, key, value, ttlMs, now) =>
      attempt(
        () => store.putIfAbsent(kind, key, value, ttlMs, now),
        () => local.putIfAbsent(kind, key, value, ttlMs, now),
      ),
    putValue: (kind, key, value, ttlMs, now) =>
      attempt(
        () => store.putValue(kind, key, value, ttlMs, now),
        () => local.putValue(kind, key, value, ttlMs, now),
      ),
    getValue: (kind, key, now) =>
      attempt(
        // A value written locally while the store was down is still found once it is back.
        async () => (await store.getValue(kind, key, now)) ?? (await local.getValue(kind, key, now)),
        () => local.getValue(kind, key, now),
      ),
    claim: (kind, id, ttlMs, now) =>
      attempt(
        () => store.claim(kind, id, ttlMs, now),
        () => local.claim(kind, id, ttlMs, now),
      ),
  };
}
