// Rate limiting: one table of policies (policies.ts), three stores (Upstash REST, self-hosted Redis,
// memory), a fail-closed or fail-open answer when the store is down, and the client IP as far as
// it can be trusted. See README.md and docs/decisions/0005-rate-limiting.md.
import "server-only";
import { parseEnv } from "../env";
import { logger } from "../log";
import { type HeaderReader, resolveClientIp, UNKNOWN_CLIENT_IP } from "./client-ip";
import { type RatelimitEnv, rateLimitKeyPrefix, rateLimitStoreKind, ratelimitEnvSchema } from "./config";
import { createRateLimiter, type RateLimitDecision, type RateLimiter } from "./limiter";
import { createMemoryStore } from "./memory-store";
import { RATE_LIMIT_POLICIES, type RateLimitPolicyName, withStoreDownOverrides } from "./policies";
import { createRedisStore, createUpstashStore } from "./redis-store";
import type { RateLimitStore } from "./store";

export { type HeaderReader, UNKNOWN_CLIENT_IP } from "./client-ip";
export { type RatelimitEnv, rateLimitKeyPrefix, ratelimitEnvSchema, refineRatelimitEnv } from "./config";
export { rateLimitedResponse, rateLimitHeaders, rateLimitRefusal } from "./headers";
export {
  createRateLimiter,
  type RateLimitDecision,
  type RateLimiter,
  type RateLimitRefusal,
} from "./limiter";
export { createMemoryStore } from "./memory-store";
export { RATE_LIMIT_POLICIES, type RateLimitPolicy, type RateLimitPolicyName } from "./policies";
export { createRedisStore, createUpstashStore } from "./redis-store";
export type { RateLimitStore } from "./store";

let cachedSettings: RatelimitEnv | undefined;

/** The validated rate limit settings from the environment (read once). */
function settings(): RatelimitEnv {
  cachedSettings ??= parseEnv(ratelimitEnvSchema, process.env);
  return cachedSettings;
}

type OutageReporter = (error: unknown, tags: Record<string, string>) => void;

// On globalThis so that development hot reloads don't open a new Redis connection each time, and
// so that the reporter set from instrumentation.ts is the one every route
// bundle's copy of this module reads: a Next.js build may load a module once per bundle.
const globalForRateLimit = globalThis as unknown as {
  shipshapeRateLimiter?: RateLimiter<RateLimitPolicyName>;
  shipshapeRateLimitOutageReporter?: OutageReporter;
};

/**
 * Sends the app limiter's fail-closed outages (the store is down, sign-ins are refused) to an error
 * tracker besides the log; null stops. Shipshape's instrumentation.ts sets lib/monitoring's
 * reportError; without a call they are only logged, and lib/ratelimit needs no tracker.
 */
export function setRateLimitOutageReporter(report: OutageReporter | null): void {
  globalForRateLimit.shipshapeRateLimitOutageReporter = report ?? undefined;
}

/**
 * The app's limiter, built on first use: the policy table (with the RATE_LIMIT_FAIL_OPEN/_CLOSED
 * overrides) on the store the environment selects.
 */
function rateLimiter(): RateLimiter<RateLimitPolicyName> {
  if (globalForRateLimit.shipshapeRateLimiter) return globalForRateLimit.shipshapeRateLimiter;
  const config = settings();
  globalForRateLimit.shipshapeRateLimiter = createRateLimiter({
    store: storeFromSettings(config),
    policies: withStoreDownOverrides(RATE_LIMIT_POLICIES, {
      failOpen: config.RATE_LIMIT_FAIL_OPEN,
      failClosed: config.RATE_LIMIT_FAIL_CLOSED,
    }),
    timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
    logger,
    // Read at each outage: the reporter may be set after the limiter is built.
    reportOutage: (error, tags) => globalForRateLimit.shipshapeRateLimitOutageReporter?.(error, tags),
  });
  return globalForRateLimit.shipshapeRateLimiter;
}

function storeFromSettings(config: RatelimitEnv): RateLimitStore {
  const timeoutMs = config.RATE_LIMIT_TIMEOUT_MS;
  const prefix = rateLimitKeyPrefix(config);
  switch (rateLimitStoreKind(config)) {
    case "upstash":
      return createUpstashStore({
        url: config.UPSTASH_REDIS_REST_URL as string,
        token: config.UPSTASH_REDIS_REST_TOKEN as string,
        prefix,
        timeoutMs,
      });
    case "redis":
      return createRedisStore({ url: config.REDIS_URL as string, prefix, timeoutMs });
    case "memory":
      return createMemoryStore();
  }
}

/**
 * Counts one request under a policy from the table and says whether it may go ahead.
 *
 *   const decision = await checkRateLimit("sign-in-account", email);
 *   if (!decision.allowed) return rateLimitedResponse(decision, "sign-in-account");
 */
export function checkRateLimit(policyName: RateLimitPolicyName, key: string): Promise<RateLimitDecision> {
  return rateLimiter().check(policyName, key);
}

/**
 * Gives back the request a `checkRateLimit` call counted, for a limit meant to count failures only:
 * count first (so concurrent attempts can't all pass), refund when the attempt succeeds.
 *
 *   const decision = await checkRateLimit("sign-in-account", email);
 *   ...
 *   if (signedIn) await refundRateLimit("sign-in-account", email);
 */
export function refundRateLimit(policyName: RateLimitPolicyName, key: string): Promise<void> {
  return rateLimiter().refund(policyName, key);
}

/**
 * Forgets every request counted for `key` under a policy, when the reason for the limit went away:
 * once the owner unlocked the account or reset the password, the failures that locked it must not
 * keep refusing the right password for the rest of the window.
 *
 *   await resetRateLimit("sign-in-account", user.email);
 *
 * Best effort, like refundRateLimit: dropped and logged when the store is down.
 */
export function resetRateLimit(policyName: RateLimitPolicyName, key: string): Promise<void> {
  return rateLimiter().reset(policyName, key);
}

/** Closes the app limiter's store connection (scripts and benchmarks call this before exiting). */
export async function disconnectRateLimiter(): Promise<void> {
  const limiter = globalForRateLimit.shipshapeRateLimiter;
  globalForRateLimit.shipshapeRateLimiter = undefined;
  await limiter?.store.close();
}

let warnedUnknownIp = false;

/**
 * The client's IP for per-IP limits (see client-ip.ts for the trust rules). `trustedProxyCount`
 * defaults to TRUSTED_PROXY_COUNT. In a Next.js route handler or proxy.ts there is no socket
 * address: `clientIp(request.headers, undefined)`.
 */
export function clientIp(
  headers: HeaderReader,
  socketAddress?: string | null,
  // Unset is allowed outside production only (config.ts), where it means no proxy.
  trustedProxyCount: number = settings().TRUSTED_PROXY_COUNT ?? 0,
): string {
  const ip = resolveClientIp(headers, socketAddress, trustedProxyCount);
  if (ip === UNKNOWN_CLIENT_IP && settings().NODE_ENV === "production" && !warnedUnknownIp) {
    warnedUnknownIp = true;
    logger.warn(
      { trustedProxyCount },
      "Client IP unknown: all such requests share one per-IP rate limit bucket. Behind a proxy, set TRUSTED_PROXY_COUNT.",
    );
  }
  return ip;
}
