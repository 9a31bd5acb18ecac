/**
 * The one throttle on the admin token, wherever it is presented: typed into the console's login
 * form or sent as `Authorization: Bearer` to any API route. Guesses are counted in fixed windows,
 * per client address and over all addresses, in the state store, so every replica refuses the
 * same guesser; a store that cannot be reached (or none) falls back to this process's own counts,
 * so guessing is never unlimited.
 *
 * A presented token is checked only while its address is under its budget (and, unless the address
 * has used the right token before, while all addresses together are under theirs). Past a budget the
 * answer is "wait", whether the token is right or not, so a throttled guesser learns nothing. Each
 * try is counted before the token is compared, so a burst of parallel guesses gets no more answers
 * than the budget; a right token gives its count back. Two things keep one address from locking the
 * admin out: its own budget is smaller than the overall one, so it alone can never use the overall
 * one up; and addresses the right token came from (remembered for 30 days, as a hash) keep their own
 * budget even while a spread-out guesser has used up the overall one.
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Logger } from "../../core/logger.js";
import type { StateStore } from "../../state/state-store.js";

/** The counter families and the remembered addresses in the store. */
const PER_ADDRESS = "admin-login";
const OVERALL = "admin-login-all";
const OVERALL_KEY = "all";
const KNOWN_ADDRESSES = "admin-known-address";
const KNOWN_FOR_MS = 30 * 24 * 60 * 60 * 1000;

export interface LoginThrottleOptions {
  /** Tries per address in a window. */
  triesPerAddress: number;
  /** Tries over all addresses in a window (more than `triesPerAddress`). */
  triesOverall: number;
  windowMs: number;
}

export type TokenCheck = { outcome: "right" } | { outcome: "wrong" } | { outcome: "throttled"; retryAfterSeconds: number };

export interface LoginThrottle {
  readonly options: LoginThrottleOptions;
  /** Checks a presented token from `address` under the throttle; `isRight` runs only within the budgets. */
  check(address: string, isRight: () => boolean): Promise<TokenCheck>;
}

interface Window {
  count: number;
  resetAt: number;
}

/** Where the counts live: the store, or this process when the store cannot be reached. */
interface Counts {
  peek(kind: string, key: string): Promise<Window | undefined>;
  count(kind: string, key: string): Promise<Window>;
  giveBack(kind: string, key: string): Promise<void>;
  isKnown(addressHash: string): Promise<boolean>;
  remember(addressHash: string): Promise<void>;
}

export function createLoginThrottle(store: StateStore | undefined, options: LoginThrottleOptions, logger?: Logger): LoginThrottle {
  const local = localCounts(options.windowMs);
  const counts = store ? storeCounts(store, options.windowMs, local, logger) : local;
  const wait = (window: Window): TokenCheck => ({ outcome: "throttled", retryAfterSeconds: Math.max(1, Math.ceil((window.resetAt - Date.now()) / 1000)) });

  return {
    options,
    async check(address, isRight) {
      const addressHash = createHash("sha256").update(address, "utf8").digest("hex");
      // A look first, so a throttled guesser's flood writes nothing.
      const [seen, known] = await Promise.all([counts.peek(PER_ADDRESS, address), counts.isKnown(addressHash)]);
      if (seen && seen.count >= options.triesPerAddress) return wait(seen);
      // The count decides: of parallel tries that all passed the look, only the budget's worth go on.
      const perAddress = await counts.count(PER_ADDRESS, address);
      if (perAddress.count > options.triesPerAddress) return wait(perAddress);
      const overall = await counts.count(OVERALL, OVERALL_KEY);
      if (overall.count > options.triesOverall && !known) return wait(overall);
      if (!isRight()) return { outcome: "wrong" };
      // Not awaited: the right token's answer takes no longer than a wrong one's.
      void Promise.all([counts.giveBack(PER_ADDRESS, address), counts.giveBack(OVERALL, OVERALL_KEY), known ? undefined : counts.remember(addressHash)]);
      return { outcome: "right" };
    },
  };
}

function storeCounts(store: StateStore, windowMs: number, local: Counts, logger: Logger | undefined): Counts {
  async function orLocal<Result>(inStore: () => Promise<Result>, inProcess: () => Promise<Result>): Promise<Result> {
    try {
      return await inStore();
    } catch (error) {
      logger?.warn({ err: error }, "admin token throttle unavailable in the state store; counting in this process");
      return inProcess();
    }
  }
  return {
    peek: (kind, key) =>
      orLocal(
        () => store.peekHits(kind, key),
        () => local.peek(kind, key),
      ),
    count: (kind, key) =>
      orLocal(
        () => store.countHit(kind, key, windowMs),
        () => local.count(kind, key),
      ),
    giveBack: (kind, key) =>
      orLocal(
        () => store.uncountHit(kind, key),
        () => local.giveBack(kind, key),
      ),
    isKnown: (addressHash) =>
      orLocal(
        async () => (await store.getValue(KNOWN_ADDRESSES, addressHash)) !== undefined,
        () => local.isKnown(addressHash),
      ),
    remember: (addressHash) =>
      orLocal(
        () => store.putValue(KNOWN_ADDRESSES, addressHash, "1", KNOWN_FOR_MS),
        () => local.remember(addressHash),
      ),
  };
}

/** The same counts in this process, bounded in size. */
function localCounts(windowMs: number): Counts {
  const windows = new LRUCache<string, Window>({ max: 10_000 });
  const known = new LRUCache<string, true>({ max: 1_000, ttl: KNOWN_FOR_MS });
  const live = (kind: string, key: string): Window | undefined => {
    const window = windows.get(`${kind}\n${key}`);
    return window && window.resetAt > Date.now() ? window : undefined;
  };
  return {
    peek: async (kind, key) => live(kind, key),
    count: async (kind, key) => {
      const window = live(kind, key) ?? { count: 0, resetAt: Date.now() + windowMs };
      window.count += 1;
      windows.set(`${kind}\n${key}`, window);
      return { ...window };
    },
    giveBack: async (kind, key) => {
      const window = live(kind, key);
      if (window) window.count = Math.max(0, window.count - 1);
    },
    isKnown: async (addressHash) => known.has(addressHash),
    remember: async (addressHash) => void known.set(addressHash, true),
  };
}
