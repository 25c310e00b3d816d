import type { RateLimitStoreKind } from "./config";
import type { RateLimitPolicy } from "./policies";

/** What a store answers for one counted request. */
export type StoreHit = {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one. */
  remaining: number;
  /** Unix time in ms when the current window ends and more requests become available. */
  resetAt: number;
};

/** Where the counters live. Each store rejects (or never settles) when it can't answer. */
export type RateLimitStore = {
  readonly kind: RateLimitStoreKind;
  /** Counts one request for `key` under `policy`, unless the policy's limit is already reached. */
  hit(key: string, policy: RateLimitPolicy): Promise<StoreHit>;
  /**
   * Gives back one counted request (the current window's counter goes down by one), for policies
   * that should count only failures: the request is counted before the outcome is known, so that
   * concurrent attempts can't all slip under the limit, and refunded once it turns out fine.
   */
  refund(key: string, policy: RateLimitPolicy): Promise<void>;
  /**
   * Forgets every request counted for `key` under `policy` (the current and the previous window),
   * as if the key had never been seen: for a limit whose reason went away, such as the per-account
   * sign-in limit once the owner has unlocked the account or reset the password.
   */
  reset(key: string, policy: RateLimitPolicy): Promise<void>;
  /** Closes connections, so a script or test can exit. */
  close(): Promise<void>;
};
