import { z } from "zod";
import { appUrlSchema } from "../env/app-url";
import { RATE_LIMIT_POLICY_NAMES } from "./policies";

/** Redis key characters that need no quoting anywhere (redis-cli, SCAN patterns aside from `*`). */
const KEY_PREFIX = /^[A-Za-z0-9:._-]{1,100}$/;

/** The prefix when neither RATE_LIMIT_PREFIX nor APP_URL is set (development, tests). */
const DEFAULT_KEY_PREFIX = "shipshape:ratelimit";

/**
 * The namespace of this deployment's rate-limit keys. Two deployments on one Redis (staging and
 * production, two apps) must not share counters: one's traffic would use up the other's limits,
 * and resetting a key in one would reset it in both. The default is per deployment without any
 * setting: APP_URL's host, which every instance of a deployment shares and no other deployment has.
 */
export function rateLimitKeyPrefix(env: Pick<RatelimitEnv, "RATE_LIMIT_PREFIX" | "APP_URL">): string {
  if (env.RATE_LIMIT_PREFIX) return env.RATE_LIMIT_PREFIX;
  if (env.APP_URL) return `${DEFAULT_KEY_PREFIX}:${new URL(env.APP_URL).host}`;
  return DEFAULT_KEY_PREFIX;
}

/** A comma-separated list of policy names, each checked against the policy table. */
const policyNameList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const names = (value ?? "")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean);
    for (const name of names) {
      if (!(RATE_LIMIT_POLICY_NAMES as string[]).includes(name)) {
        ctx.addIssue({
          code: "custom",
          message: `names "${name}", which is not a rate limit policy. Known policies: ${RATE_LIMIT_POLICY_NAMES.join(", ")}.`,
        });
      }
    }
    return names;
  });

/**
 * The environment keys the rate limit module reads. The store is chosen from what is set:
 * Upstash REST (both UPSTASH_ keys) first, else REDIS_URL, else this process's memory.
 *
 * The cross-field rules are in refineRatelimitEnv: lib/env composes modules with
 * `.extend(schema.shape)`, which drops refinements, so it must call that function itself.
 */
export const ratelimitEnvObject = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  APP_URL: appUrlSchema,
  UPSTASH_REDIS_REST_URL: z
    .url({ protocol: /^https?$/, error: "must be the https:// REST URL of an Upstash Redis database" })
    .optional()
    .describe("Upstash Redis REST URL (serverless deployments). Needs UPSTASH_REDIS_REST_TOKEN."),
  UPSTASH_REDIS_REST_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe("Upstash Redis REST token, paired with UPSTASH_REDIS_REST_URL."),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: "must be a redis:// or rediss:// URL" })
    .optional()
    .describe("Self-hosted Redis for rate limits (used when the Upstash keys are not set)."),
  RATE_LIMIT_ALLOW_MEMORY: z
    .stringbool()
    .default(false)
    .describe("Allows in-memory rate limits in production (a single-instance deployment only)."),
  RATE_LIMIT_PREFIX: z
    .string()
    .regex(
      KEY_PREFIX,
      "may hold letters, digits and : . _ - only (up to 100), such as shipshape:ratelimit:staging",
    )
    .optional()
    .describe(
      "Start of every rate-limit key in Redis. Default: shipshape:ratelimit:<APP_URL's host>, so deployments " +
        "sharing one Redis count apart and a deployment's instances count together.",
    ),
  RATE_LIMIT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(50)
    .max(10_000)
    .default(500)
    .describe("Longest wait for the store per check; past it the store counts as down."),
  RATE_LIMIT_FAIL_OPEN: policyNameList.describe(
    "Policies that let requests through while the store is down (overrides the table).",
  ),
  RATE_LIMIT_FAIL_CLOSED: policyNameList.describe(
    "Policies that refuse requests while the store is down (overrides the table).",
  ),
  TRUSTED_PROXY_COUNT: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .optional()
    .describe(
      "Proxies in front of the app whose X-Forwarded-For entries are trusted. 0: none. Required in production.",
    ),
});

export type RatelimitEnv = z.infer<typeof ratelimitEnvObject>;

/** The rules that span several keys. lib/env's schema calls this from its own superRefine. */
export function refineRatelimitEnv(
  env: Pick<
    RatelimitEnv,
    | "NODE_ENV"
    | "UPSTASH_REDIS_REST_URL"
    | "UPSTASH_REDIS_REST_TOKEN"
    | "REDIS_URL"
    | "RATE_LIMIT_ALLOW_MEMORY"
    | "RATE_LIMIT_FAIL_OPEN"
    | "RATE_LIMIT_FAIL_CLOSED"
    | "TRUSTED_PROXY_COUNT"
  >,
  ctx: z.RefinementCtx,
): void {
  if (Boolean(env.UPSTASH_REDIS_REST_URL) !== Boolean(env.UPSTASH_REDIS_REST_TOKEN)) {
    const missing = env.UPSTASH_REDIS_REST_URL ? "UPSTASH_REDIS_REST_TOKEN" : "UPSTASH_REDIS_REST_URL";
    const set = env.UPSTASH_REDIS_REST_URL ? "UPSTASH_REDIS_REST_URL" : "UPSTASH_REDIS_REST_TOKEN";
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: `is not set but ${set} is. Set both (from the Upstash console) or neither.`,
    });
  }
  if (env.NODE_ENV === "production" && rateLimitStoreKind(env) === "memory" && !env.RATE_LIMIT_ALLOW_MEMORY) {
    ctx.addIssue({
      code: "custom",
      path: ["REDIS_URL"],
      message:
        "is not set, nor are the UPSTASH_REDIS_REST_ keys, so rate limits would live in this process's memory. " +
        "Memory limits don't hold across instances or restarts: each instance would allow the full limit. " +
        "Set REDIS_URL or UPSTASH_REDIS_REST_URL + UPSTASH_REDIS_REST_TOKEN, or set RATE_LIMIT_ALLOW_MEMORY=true " +
        "if this deployment really is one long-running instance.",
    });
  }
  // Next.js shows the app no socket address, so without trusted proxies every client shares one
  // per-IP bucket (client-ip.ts). Silently running like that would let one client use up sign-in
  // for everyone; a deployment has to say which it is.
  if (env.NODE_ENV === "production" && env.TRUSTED_PROXY_COUNT === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["TRUSTED_PROXY_COUNT"],
      message:
        "is not set. Per-IP rate limits need to know how many proxies sit in front of the app: 1 behind one " +
        "load balancer, reverse proxy or Vercel; 2 behind a CDN and a load balancer. Set 0 only if clients " +
        "reach `next start` directly: Next.js can't see their address then, so all of them share one " +
        "per-IP limit.",
    });
  }
  for (const name of env.RATE_LIMIT_FAIL_OPEN) {
    if (env.RATE_LIMIT_FAIL_CLOSED.includes(name)) {
      ctx.addIssue({
        code: "custom",
        path: ["RATE_LIMIT_FAIL_OPEN"],
        message: `and RATE_LIMIT_FAIL_CLOSED both name "${name}". Name each policy in one of them.`,
      });
    }
  }
}

export const ratelimitEnvSchema = ratelimitEnvObject.superRefine(refineRatelimitEnv);

export type RateLimitStoreKind = "upstash" | "redis" | "memory";

export function rateLimitStoreKind(
  env: Pick<RatelimitEnv, "UPSTASH_REDIS_REST_URL" | "UPSTASH_REDIS_REST_TOKEN" | "REDIS_URL">,
): RateLimitStoreKind {
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) return "upstash";
  if (env.REDIS_URL) return "redis";
  return "memory";
}

/** The env module lib/env composes (lib/env/modules.ts): its keys and the rules across them. */
export const envModule = { schema: ratelimitEnvObject, check: refineRatelimitEnv };
