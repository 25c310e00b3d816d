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
  /** Closes connections, so a script or test can exit. */
  close(): Promise<void>;
};
