/**
 * Wrong admin tokens typed into the login form, counted per client address in a fixed window. The
 * count lives in the state store, so every replica behind one address refuses the same guesser; a
 * store that cannot be reached (or none) falls back to this process's own count, so guessing is
 * never unlimited.
 */
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { Logger } from "../../core/logger.js";
import type { StateStore } from "../../state/state-store.js";

/** The counter family in the store. */
const KIND = "admin-login";

export interface LoginThrottleOptions {
  tries: number;
  windowMs: number;
}

export interface LoginThrottle {
  /** Seconds until `address` may try again, or undefined when it may try now. */
  secondsToWait(address: string): Promise<number | undefined>;
  /** Counts one wrong token from `address`. */
  countWrongTry(address: string): Promise<void>;
}

export function createLoginThrottle(store: StateStore | undefined, { tries, windowMs }: LoginThrottleOptions, logger?: Logger): LoginThrottle {
  const local = new RateLimiterMemory({ points: tries, duration: Math.ceil(windowMs / 1000) });
  const fromMilliseconds = (milliseconds: number) => Math.max(1, Math.ceil(milliseconds / 1000));

  async function localWait(address: string): Promise<number | undefined> {
    const tried = await local.get(address);
    return tried && tried.consumedPoints >= tries ? fromMilliseconds(tried.msBeforeNext) : undefined;
  }

  return {
    async secondsToWait(address) {
      if (store) {
        try {
          const now = Date.now();
          const hits = await store.peekHits(KIND, address, now);
          return hits && hits.count >= tries ? fromMilliseconds(hits.resetAt - now) : undefined;
        } catch (error) {
          logger?.warn({ err: error }, "login throttle unavailable in the state store; counting in this process");
        }
      }
      return localWait(address);
    },

    async countWrongTry(address) {
      if (store) {
        try {
          await store.countHit(KIND, address, windowMs);
          return;
        } catch (error) {
          logger?.warn({ err: error }, "login throttle unavailable in the state store; counting in this process");
        }
      }
      await local.penalty(address, 1);
    },
  };
}
