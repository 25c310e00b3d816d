import { createHash } from "node:crypto";
import type { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "ioredis";

/** The client type @upstash/ratelimit's constructor asks for. */
export type RatelimitRedis = ConstructorParameters<typeof Ratelimit>[0]["redis"];

/**
 * What a store needs of its client: what @upstash/ratelimit calls, plus `eval` for the store's own
 * script (resetting a key, redis-store.ts). The Upstash client has it, and so has the adapter below.
 */
export type StoreRedis = RatelimitRedis & {
  eval(script: string, keys: string[], args: unknown[]): Promise<unknown>;
};

const UPSTASH_SHEBANG = /^#!lua flags=allow-key-locking/;

/**
 * Lets @upstash/ratelimit run on a plain Redis through ioredis. Its sliding window calls only
 * `evalsha(sha, keys, args)`, then `eval(script, keys, args)` when Redis answers NOSCRIPT (read in
 * node_modules/@upstash/ratelimit/dist/index.mjs, `safeEval`).
 *
 * Its scripts start with `#!lua flags=allow-key-locking`, an Upstash-only flag Redis 7 rejects
 * ("Unexpected flag in script shebang"). `eval` rewrites that line to `#!lua` and remembers which
 * sha the library knows the script by, so the next `evalsha` runs the rewritten script.
 */
export function ratelimitRedisFromIoredis(client: Redis): StoreRedis {
  // The library's sha (of its original script) -> sha of the script Redis actually has.
  const rewrittenSha = new Map<string, string>();

  const adapter = {
    evalsha(sha: string, keys: string[], args: unknown[]): Promise<unknown> {
      return client.evalsha(rewrittenSha.get(sha) ?? sha, keys.length, ...keys, ...redisArgs(args));
    },
    eval(script: string, keys: string[], args: unknown[]): Promise<unknown> {
      const rewritten = script.replace(UPSTASH_SHEBANG, "#!lua");
      rewrittenSha.set(sha1(script), sha1(rewritten));
      return client.eval(rewritten, keys.length, ...keys, ...redisArgs(args));
    },
  };
  // The declared type also names get/set, which only the dynamic-limit methods call; this module
  // never enables dynamic limits. What runs is above.
  return adapter as unknown as StoreRedis;
}

function redisArgs(args: unknown[]): (string | number)[] {
  return args.map((arg) => (typeof arg === "number" ? arg : String(arg)));
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
