import { Ratelimit } from "@upstash/ratelimit";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import type { RateLimitStoreKind } from "./config";
import { ratelimitRedisFromIoredis, type StoreRedis } from "./ioredis-adapter";
import type { RateLimitPolicy } from "./policies";
import type { RateLimitStore } from "./store";

// A script rather than a DEL command: the ioredis adapter runs scripts only (ioredis-adapter.ts).
const DELETE_KEYS_SCRIPT = 'return redis.call("DEL", unpack(KEYS))';

type RedisStoreOptions = {
  /**
   * Start of every key, followed by the policy name and a hash: the deployment's namespace
   * (rateLimitKeyPrefix); tests use a unique one per run.
   */
  prefix: string;
  /** Bounds each Redis command too, so a hung server doesn't pile up pending commands. */
  timeoutMs: number;
};

/** A self-hosted Redis (REDIS_URL), reached over its own ioredis connection. */
export function createRedisStore(options: RedisStoreOptions & { url: string }): RateLimitStore {
  const client = new IORedis(options.url, {
    commandTimeout: options.timeoutMs,
    // Give up on a command after one failed reconnect instead of twenty: the limiter answers
    // "store down" quickly while Redis is away, and ioredis keeps reconnecting in the background.
    maxRetriesPerRequest: 1,
  });
  // Without a listener ioredis prints every failed reconnect. The limiter reports the failures
  // that matter: the requests that ran into them.
  client.on("error", () => {});
  return ratelimitStore("redis", ratelimitRedisFromIoredis(client), options.prefix, async () => {
    await client.quit().catch(() => client.disconnect());
  });
}

/** Upstash Redis over its REST API (serverless deployments). */
export function createUpstashStore(
  options: RedisStoreOptions & { url: string; token: string },
): RateLimitStore {
  const client = new UpstashRedis({
    url: options.url,
    token: options.token,
    // Each request (with its one retry) is aborted at the timeout instead of waiting on fetch.
    signal: () => AbortSignal.timeout(options.timeoutMs),
    retry: { retries: 1, backoff: () => 50 },
    enableTelemetry: false,
  });
  return ratelimitStore("upstash", client, options.prefix, async () => {});
}

function ratelimitStore(
  kind: RateLimitStoreKind,
  redis: StoreRedis,
  prefix: string,
  close: () => Promise<void>,
): RateLimitStore {
  const limiters = new Map<string, Ratelimit>();

  function limiterFor(policy: RateLimitPolicy): Ratelimit {
    const id = `${policy.name}:${policy.limit}:${policy.windowSeconds}`;
    let limiter = limiters.get(id);
    if (!limiter) {
      limiter = new Ratelimit({
        redis,
        prefix,
        limiter: Ratelimit.slidingWindow(policy.limit, `${policy.windowSeconds} s`),
        // 0 turns the library's own timeout off: on timeout it *allows* the request. The limiter
        // (limiter.ts) applies its timeout and the policy's fail-closed/open choice instead.
        timeout: 0,
        // Off: its in-process block list would grow with every blocked key, and every check should
        // see the shared counters.
        ephemeralCache: false,
        analytics: false,
        enableTelemetry: false,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  }

  return {
    kind,
    async hit(key, policy) {
      const result = await limiterFor(policy).limit(key);
      return {
        allowed: result.success,
        limit: result.limit,
        remaining: result.remaining,
        resetAt: result.reset,
      };
    },
    async refund(key, policy) {
      // A negative rate skips the limit check and decrements the current window's counter.
      await limiterFor(policy).limit(key, { rate: -1 });
    },
    async reset(key, policy) {
      // @upstash/ratelimit's sliding window keeps one counter per window, under
      // `<prefix>:<key>:<window number>`, the number being floor(now / window length) (slidingWindow
      // in node_modules/@upstash/ratelimit/dist/index.js). Only the current and the previous window
      // count, so deleting those two keys forgets the key. The library's own resetUsedTokens is not
      // used: it SCANs the whole keyspace inside one Lua script, which holds up every other request
      // to this Redis while it runs, and anyone with an account can lock and unlock it over and over.
      const windowMs = policy.windowSeconds * 1000;
      const currentWindow = Math.floor(Date.now() / windowMs);
      const windowKeys = [currentWindow, currentWindow - 1].map((window) => `${prefix}:${key}:${window}`);
      await redis.eval(DELETE_KEYS_SCRIPT, windowKeys, []);
    },
    close,
  };
}
