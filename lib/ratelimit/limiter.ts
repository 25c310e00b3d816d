import type { Logger } from "../log";
import { rateLimitKey } from "./keys";
import type { RateLimitPolicy } from "./policies";
import type { RateLimitStore } from "./store";

/** Unix times are in milliseconds. */
export type RateLimitDecision =
  | {
      allowed: true;
      /** True when the store was down and the policy fails open: nothing was counted. */
      storeUnavailable: boolean;
      limit: number;
      remaining: number;
      resetAt: number;
    }
  | RateLimitRefusal;

export type RateLimitRefusal = {
  allowed: false;
  /** "limited": over the limit. "store_unavailable": the store is down and the policy fails closed. */
  reason: "limited" | "store_unavailable";
  retryAfterSeconds: number;
  limit: number;
  remaining: number;
  resetAt: number;
};

export type RateLimiter<Name extends string> = {
  /** Counts one request for `key` (an IP, an email, a user id, as the policy's keyKind says). */
  check(policyName: Name, key: string): Promise<RateLimitDecision>;
  /**
   * Gives back the request `check` counted, for limits that count only failures (sign-in per
   * account: a successful sign-in is not a guess). Best effort: when the store is down the refund
   * is logged and dropped, since the request it belongs to has already been answered.
   */
  refund(policyName: Name, key: string): Promise<void>;
  /**
   * Forgets everything counted for `key` under the policy, for a limit whose reason went away (the
   * per-account sign-in limit once the owner unlocked the account). Best effort, like refund: when
   * the store is down the reset is logged and dropped, and the count runs out with its window.
   */
  reset(policyName: Name, key: string): Promise<void>;
  policy(policyName: Name): RateLimitPolicy;
  readonly store: RateLimitStore;
};

/** How long a client is asked to wait when a fail-closed policy can't reach its store. */
const STORE_DOWN_RETRY_AFTER_SECONDS = 30;

// While a store stays down every request fails: report the first failure per policy, then at
// most one line (and one outage report) per this interval, with the count of those in between.
const REPORT_INTERVAL_MS = 10_000;

class RateLimitStoreTimeoutError extends Error {
  constructor(storeKind: string, timeoutMs: number) {
    super(`The ${storeKind} rate limit store did not answer within ${timeoutMs} ms.`);
    this.name = "RateLimitStoreTimeoutError";
  }
}

export function createRateLimiter<Name extends string>(options: {
  store: RateLimitStore;
  policies: Record<Name, RateLimitPolicy>;
  /** Longest wait for the store per check; past it the store counts as down. */
  timeoutMs: number;
  logger: Pick<Logger, "error">;
  /**
   * Where a fail-closed policy's outage is reported besides the log (refused sign-ins need a human
   * soon). Optional so that copying lib/ratelimit brings no error tracker: Shipshape sends it to
   * the error tracker (instrumentation.ts, through setRateLimitOutageReporter).
   */
  reportOutage?: (error: unknown, tags: Record<string, string>) => void;
}): RateLimiter<Name> {
  const { store, policies, timeoutMs, logger, reportOutage } = options;
  const reports = new Map<string, { lastAt: number; suppressed: number }>();

  function policy(policyName: Name): RateLimitPolicy {
    const found = Object.hasOwn(policies, policyName) ? policies[policyName] : undefined;
    if (!found) {
      throw new Error(
        `Unknown rate limit policy "${policyName}". Known policies: ${Object.keys(policies).join(", ")}.`,
      );
    }
    return found;
  }

  function reportStoreDown(limitPolicy: RateLimitPolicy, error: unknown): void {
    const now = Date.now();
    const report = reports.get(limitPolicy.name);
    if (report && now - report.lastAt < REPORT_INTERVAL_MS) {
      report.suppressed += 1;
      return;
    }
    reports.set(limitPolicy.name, { lastAt: now, suppressed: 0 });
    const failClosed = limitPolicy.onStoreDown === "closed";
    logger.error(
      {
        err: error,
        policy: limitPolicy.name,
        store: store.kind,
        onStoreDown: limitPolicy.onStoreDown,
        failuresNotLogged: report?.suppressed ?? 0,
      },
      failClosed
        ? "Rate limit store unavailable: request refused (policy fails closed)"
        : "Rate limit store unavailable: request allowed without a limit (policy fails open)",
    );
    if (failClosed) {
      reportOutage?.(error, { rate_limit_policy: limitPolicy.name, rate_limit_store: store.kind });
    }
  }

  async function check(policyName: Name, key: string): Promise<RateLimitDecision> {
    const limitPolicy = policy(policyName);
    const storeKey = rateLimitKey(limitPolicy.name, limitPolicy.keyKind, key);
    try {
      const hit = await withTimeout(store.hit(storeKey, limitPolicy), timeoutMs, store.kind);
      const { limit, remaining, resetAt } = hit;
      if (hit.allowed) return { allowed: true, storeUnavailable: false, limit, remaining, resetAt };
      const retryAfterSeconds = Math.max(1, Math.ceil((resetAt - Date.now()) / 1000));
      return { allowed: false, reason: "limited", retryAfterSeconds, limit, remaining, resetAt };
    } catch (error) {
      reportStoreDown(limitPolicy, error);
      const now = Date.now();
      if (limitPolicy.onStoreDown === "open") {
        return {
          allowed: true,
          storeUnavailable: true,
          limit: limitPolicy.limit,
          remaining: limitPolicy.limit,
          resetAt: now,
        };
      }
      return {
        allowed: false,
        reason: "store_unavailable",
        retryAfterSeconds: STORE_DOWN_RETRY_AFTER_SECONDS,
        limit: limitPolicy.limit,
        remaining: 0,
        resetAt: now + STORE_DOWN_RETRY_AFTER_SECONDS * 1000,
      };
    }
  }

  /**
   * Gives back (refund) or forgets (reset) a key's count. Best effort: neither is a security check,
   * so when the store is down the change is logged as dropped instead of failing the request.
   */
  async function adjust(operation: "refund" | "reset", policyName: Name, key: string): Promise<void> {
    const limitPolicy = policy(policyName);
    const storeKey = rateLimitKey(limitPolicy.name, limitPolicy.keyKind, key);
    try {
      await withTimeout(store[operation](storeKey, limitPolicy), timeoutMs, store.kind);
    } catch (error) {
      logger.error(
        { err: error, policy: limitPolicy.name, store: store.kind },
        `Rate limit store unavailable: a ${operation} was dropped`,
      );
    }
  }
  const refund = (policyName: Name, key: string) => adjust("refund", policyName, key);
  const reset = (policyName: Name, key: string) => adjust("reset", policyName, key);

  return { check, refund, reset, policy, store };
}

/** The store's answer, or a RateLimitStoreTimeoutError after `timeoutMs`, whichever comes first. */
function withTimeout<T>(promise: Promise<T>, timeoutMs: number, storeKind: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RateLimitStoreTimeoutError(storeKind, timeoutMs)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
