import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEnv } from "@/lib/env";
import { ratelimitEnvSchema, refineRatelimitEnv } from "@/lib/ratelimit";
import { rateLimitKeyPrefix, rateLimitStoreKind } from "@/lib/ratelimit/config";
import { envProblems } from "../support/env";

const problemsOf = (env: Record<string, string>) => envProblems(() => parseEnv(ratelimitEnvSchema, env));

describe("rate limit environment", () => {
  it("namespaces the keys per deployment: RATE_LIMIT_PREFIX, else APP_URL's host, else the development default", () => {
    const prefixOf = (env: Record<string, string>) => rateLimitKeyPrefix(parseEnv(ratelimitEnvSchema, env));
    expect(prefixOf({})).toBe("shipshape:ratelimit");
    expect(prefixOf({ APP_URL: "https://app.example.com" })).toBe("shipshape:ratelimit:app.example.com");
    expect(prefixOf({ APP_URL: "http://localhost:4000" })).toBe("shipshape:ratelimit:localhost:4000");
    expect(prefixOf({ APP_URL: "https://app.example.com", RATE_LIMIT_PREFIX: "acme:staging" })).toBe(
      "acme:staging",
    );
    expect(problemsOf({ RATE_LIMIT_PREFIX: "has spaces *" })[0]).toMatch(
      /^RATE_LIMIT_PREFIX: may hold letters, digits and : \. _ - only/,
    );
  });

  it("uses memory with nothing configured in development, and fills defaults", () => {
    const env = parseEnv(ratelimitEnvSchema, {});
    expect(rateLimitStoreKind(env)).toBe("memory");
    expect(env.TRUSTED_PROXY_COUNT).toBeUndefined(); // clientIp() reads unset as 0 outside production
    expect(env).toMatchObject({
      RATE_LIMIT_TIMEOUT_MS: 500,
      RATE_LIMIT_FAIL_OPEN: [],
      RATE_LIMIT_ALLOW_MEMORY: false,
    });
  });

  it("refuses the memory store in production, saying why and what to set", () => {
    const problems = problemsOf({ NODE_ENV: "production", TRUSTED_PROXY_COUNT: "1" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^REDIS_URL: is not set.*don't hold across instances.*RATE_LIMIT_ALLOW_MEMORY=true/,
    );
  });

  it("accepts memory in production when explicitly allowed, or a real store", () => {
    const production = { NODE_ENV: "production", TRUSTED_PROXY_COUNT: "1" };
    expect(problemsOf({ ...production, RATE_LIMIT_ALLOW_MEMORY: "true" })).toEqual([]);
    expect(problemsOf({ ...production, REDIS_URL: "redis://cache.internal:6379" })).toEqual([]);
    expect(
      problemsOf({
        ...production,
        UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
        UPSTASH_REDIS_REST_TOKEN: "t",
      }),
    ).toEqual([]);
  });

  it("makes production say how many proxies are in front of it, explaining what 0 costs", () => {
    const production = { NODE_ENV: "production", REDIS_URL: "redis://cache.internal:6379" };
    expect(problemsOf(production)).toEqual([
      expect.stringMatching(
        /^TRUSTED_PROXY_COUNT: is not set\. .*1 behind one load balancer.*Set 0 only if clients reach `next start` directly.*share one per-IP limit/,
      ),
    ]);
    // 0 is a valid answer: the deployment chose it knowingly.
    expect(problemsOf({ ...production, TRUSTED_PROXY_COUNT: "0" })).toEqual([]);
    expect(problemsOf({ TRUSTED_PROXY_COUNT: "11" })[0]).toMatch(/^TRUSTED_PROXY_COUNT: /);
  });

  it("prefers Upstash over REDIS_URL when both are set", () => {
    const env = parseEnv(ratelimitEnvSchema, {
      REDIS_URL: "redis://127.0.0.1:6379",
      UPSTASH_REDIS_REST_URL: "https://x.upstash.io",
      UPSTASH_REDIS_REST_TOKEN: "t",
    });
    expect(rateLimitStoreKind(env)).toBe("upstash");
    expect(rateLimitStoreKind(parseEnv(ratelimitEnvSchema, { REDIS_URL: "rediss://cache:6380" }))).toBe(
      "redis",
    );
  });

  it("needs both Upstash keys, and proper URLs", () => {
    expect(problemsOf({ UPSTASH_REDIS_REST_URL: "https://x.upstash.io" })).toEqual([
      "UPSTASH_REDIS_REST_TOKEN: is not set but UPSTASH_REDIS_REST_URL is. Set both (from the Upstash console) or neither.",
    ]);
    expect(problemsOf({ REDIS_URL: "http://cache:6379" })[0]).toMatch(/^REDIS_URL: must be a redis:\/\//);
  });

  it("checks the policy names in RATE_LIMIT_FAIL_OPEN / _CLOSED", () => {
    expect(
      parseEnv(ratelimitEnvSchema, { RATE_LIMIT_FAIL_OPEN: " sign-in-ip, sign-up-ip " }).RATE_LIMIT_FAIL_OPEN,
    ).toEqual(["sign-in-ip", "sign-up-ip"]);
    expect(problemsOf({ RATE_LIMIT_FAIL_OPEN: "sign-in" })[0]).toMatch(
      /^RATE_LIMIT_FAIL_OPEN: names "sign-in", which is not a rate limit policy. Known policies: sign-in-ip, /,
    );
    expect(problemsOf({ RATE_LIMIT_FAIL_OPEN: "api-user", RATE_LIMIT_FAIL_CLOSED: "api-user" })[0]).toMatch(
      /both name "api-user"/,
    );
  });

  it("bounds TRUSTED_PROXY_COUNT and RATE_LIMIT_TIMEOUT_MS", () => {
    expect(problemsOf({ TRUSTED_PROXY_COUNT: "-1" })[0]).toMatch(/^TRUSTED_PROXY_COUNT: /);
    expect(problemsOf({ TRUSTED_PROXY_COUNT: "one" })[0]).toMatch(/^TRUSTED_PROXY_COUNT: /);
    expect(problemsOf({ RATE_LIMIT_TIMEOUT_MS: "5" })[0]).toMatch(/^RATE_LIMIT_TIMEOUT_MS: /);
  });
});

describe("composing the schema into lib/env", () => {
  it("keeps the cross-field rules when lib/env extends with the shape and calls refineRatelimitEnv", () => {
    const composed = z
      .object({ APP_URL: z.string().optional() })
      .extend(ratelimitEnvSchema.shape)
      .superRefine((env, ctx) => refineRatelimitEnv(env, ctx));
    expect(() => parseEnv(composed, { NODE_ENV: "production" })).toThrow(/REDIS_URL: is not set/);
  });
});
