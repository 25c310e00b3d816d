// The app limiter's fail-closed outages reach the reporter set with setRateLimitOutageReporter
// (Shipshape's instrumentation.ts sets lib/monitoring's reportError there), even when the
// module copy that set it is not the one that built the limiter: a Next.js build may load
// lib/ratelimit once per bundle, so the reporter lives on globalThis like the limiter.
import { afterEach, describe, expect, it, vi } from "vitest";
import { closedPort } from "../support/services";

type RateLimitModule = typeof import("@/lib/ratelimit");
const globalForRateLimit = globalThis as { shipshapeRateLimiter?: { store: { close(): Promise<void> } } };

/** A fresh copy of lib/ratelimit, as another bundle would load it. */
async function freshCopy(): Promise<RateLimitModule> {
  vi.resetModules();
  return import("@/lib/ratelimit");
}

afterEach(async () => {
  await globalForRateLimit.shipshapeRateLimiter?.store.close();
  delete globalForRateLimit.shipshapeRateLimiter;
  (await freshCopy()).setRateLimitOutageReporter(null);
  vi.unstubAllEnvs();
});

describe("the app limiter's outage reporter", () => {
  it("gets a fail-closed policy's outage, set from another copy of the module, and not a fail-open one's", async () => {
    vi.stubEnv("REDIS_URL", `redis://127.0.0.1:${await closedPort()}`);
    vi.stubEnv("UPSTASH_REDIS_REST_URL", "");
    vi.stubEnv("UPSTASH_REDIS_REST_TOKEN", "");
    vi.stubEnv("RATE_LIMIT_TIMEOUT_MS", "200");
    const routeBundle = await freshCopy();
    // Built here, before any reporter is set (a request can come before instrumentation's import ends).
    expect((await routeBundle.checkRateLimit("pages-ip", "192.0.2.1")).allowed).toBe(true);

    const reports: Record<string, string>[] = [];
    (await freshCopy()).setRateLimitOutageReporter((_error, tags) => reports.push(tags));

    expect(await routeBundle.checkRateLimit("sign-in-ip", "192.0.2.1")).toMatchObject({
      allowed: false,
      reason: "store_unavailable",
    });
    expect((await routeBundle.checkRateLimit("pages-ip", "192.0.2.2")).allowed).toBe(true);
    expect(reports).toEqual([{ rate_limit_policy: "sign-in-ip", rate_limit_store: "redis" }]);
  });
});
