/**
 * Remembers message ids WeCom has already delivered. WeCom re-sends a callback it considers
 * unanswered (after 5 s, three times in total), so the same MsgId/msgid must produce one reply.
 * Ids are strings: an app MsgId exceeds 2^53 and would collide if turned into a number.
 */
export interface DedupeStoreOptions {
  /** How long an id is remembered; longer than WeCom's retry window. */
  ttlMs?: number;
  /** Upper bound on remembered ids; the oldest are forgotten first. */
  maxEntries?: number;
  now?: () => number;
}

export interface ClaimResult<Value> {
  /** True for the first delivery of this id. */
  isNew: boolean;
  /** The value stored by the first delivery. */
  value: Value;
}

export interface DedupeStore<Value> {
  /** Records `id` with `createValue()` if unseen; otherwise returns what the first delivery stored. */
  claim(id: string, createValue: () => Value): ClaimResult<Value>;
  /** True when `id` is remembered and not expired; records nothing. */
  has(id: string): boolean;
  /** Number of ids currently remembered. */
  readonly size: number;
}

export function createDedupeStore<Value = true>(options: DedupeStoreOptions = {}): DedupeStore<Value> {
  const ttlMs = options.ttlMs ?? 30 * 60_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  // A Map iterates in insertion order, so the first entries are always the oldest.
  const entries = new Map<string, { expiresAt: number; value: Value }>();

  function evict(time: number): void {
    for (const [id, entry] of entries) {
      if (entry.expiresAt > time && entries.size < maxEntries) break;
      entries.delete(id);
    }
  }

  return {
    claim(id, createValue) {
      const time = now();
      const existing = entries.get(id);
      if (existing && existing.expiresAt > time) return { isNew: false, value: existing.value };
      if (existing) entries.delete(id);
      evict(time);
      const value = createValue();
      entries.set(id, { expiresAt: time + ttlMs, value });
      return { isNew: true, value };
    },
    has(id) {
      const existing = entries.get(id);
      return existing !== undefined && existing.expiresAt > now();
    },
    get size() {
      return entries.size;
    },
  };
}
