import type { RateLimitStore } from "./store";

type Counter = { window: number; current: number; previous: number; windowMs: number };

// Counters of past windows are dropped once the map holds this many keys (checked at most once a second).
const SWEEP_ABOVE = 10_000;

/**
 * Counters in this process's memory, for development and tests. The same sliding window as the
 * Redis stores. Limits are per process: with several instances (or after a restart) each one
 * allows the full limit, which is why production refuses this store unless RATE_LIMIT_ALLOW_MEMORY.
 */
export function createMemoryStore(): RateLimitStore {
  const counters = new Map<string, Counter>();
  let lastSweep = 0;

  function sweep(time: number): void {
    if (counters.size <= SWEEP_ABOVE || time - lastSweep < 1000) return;
    lastSweep = time;
    for (const [key, counter] of counters) {
      if (counter.window < Math.floor(time / counter.windowMs) - 1) counters.delete(key);
    }
  }

  return {
    kind: "memory",
    async hit(key, policy) {
      const time = Date.now();
      sweep(time);
      const windowMs = policy.windowSeconds * 1000;
      const window = Math.floor(time / windowMs);
      const counter = counters.get(key);
      let current = 0;
      let previous = 0;
      if (counter?.window === window) {
        current = counter.current;
        previous = counter.previous;
      } else if (counter?.window === window - 1) {
        previous = counter.current;
      }
      // The previous window counts for the part of it that the sliding window still covers.
      const weightedPrevious = Math.floor((1 - (time % windowMs) / windowMs) * previous);
      const resetAt = (window + 1) * windowMs;
      if (weightedPrevious + current >= policy.limit) {
        return { allowed: false, limit: policy.limit, remaining: 0, resetAt };
      }
      counters.set(key, { window, current: current + 1, previous, windowMs });
      return {
        allowed: true,
        limit: policy.limit,
        remaining: policy.limit - weightedPrevious - current - 1,
        resetAt,
      };
    },
    async refund(key, policy) {
      // Like the Redis script: the current window's counter goes down by one (below zero when the
      // refunded request was counted in the previous window, which evens out the weighted sum).
      const windowMs = policy.windowSeconds * 1000;
      const window = Math.floor(Date.now() / windowMs);
      const counter = counters.get(key);
      if (counter?.window === window) counter.current -= 1;
      else
        counters.set(key, {
          window,
          current: -1,
          previous: counter?.window === window - 1 ? counter.current : 0,
          windowMs,
        });
    },
    async reset(key) {
      // One counter holds both windows of a key.
      counters.delete(key);
    },
    async close() {
      counters.clear();
    },
  };
}
