import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "@/lib/log";
import {
  createMemoryStore,
  createRateLimiter,
  RATE_LIMIT_POLICIES,
  type RateLimitPolicy,
  rateLimitHeaders,
} from "@/lib/ratelimit";
import { withStoreDownOverrides } from "@/lib/ratelimit/policies";

const minute: RateLimitPolicy = {
  name: "test-minute",
  limit: 5,
  windowSeconds: 60,
  algorithm: "sliding-window",
  keyKind: "ip",
  onStoreDown: "closed",
};

function memoryLimiter() {
  return createRateLimiter({
    store: createMemoryStore(),
    policies: { minute },
    timeoutMs: 500,
    logger: createLogger({ LOG_LEVEL: "silent" }),
  });
}

/** The test moves the clock (Date only; timers stay real), starting at the beginning of a window. */
function advance(ms: number): void {
  vi.setSystemTime(Date.now() + ms);
}

describe("memory rate limit store", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(1_800_000_000_000 - (1_800_000_000_000 % 60_000));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("allows 5 requests per window and refuses the 6th with a retry time", async () => {
    const limiter = memoryLimiter();
    advance(20_000);
    const remaining = [];
    for (let i = 0; i < 5; i++) {
      const decision = await limiter.check("minute", "192.0.2.1");
      expect(decision.allowed).toBe(true);
      remaining.push(decision.remaining);
    }
    expect(remaining).toEqual([4, 3, 2, 1, 0]);

    const sixth = await limiter.check("minute", "192.0.2.1");
    expect(sixth).toMatchObject({ allowed: false, reason: "limited", remaining: 0, retryAfterSeconds: 40 });
    // A refused request is not counted, and other keys have their own count.
    expect((await limiter.check("minute", "192.0.2.2")).allowed).toBe(true);
  });

  it("gives a counted request back on refund, in this window or for one counted in the last", async () => {
    const limiter = memoryLimiter();
    for (let i = 0; i < 5; i++) await limiter.check("minute", "192.0.2.9");
    await limiter.refund("minute", "192.0.2.9");
    expect((await limiter.check("minute", "192.0.2.9")).allowed).toBe(true);
    expect((await limiter.check("minute", "192.0.2.9")).allowed).toBe(false);

    // Refunded just after the window turned: the previous window's count still weighs ~fully, and
    // the refund (a -1 in the new window) makes room for exactly one request.
    advance(60_000);
    expect((await limiter.check("minute", "192.0.2.9")).allowed).toBe(false);
    await limiter.refund("minute", "192.0.2.9");
    expect((await limiter.check("minute", "192.0.2.9")).allowed).toBe(true);
    expect((await limiter.check("minute", "192.0.2.9")).allowed).toBe(false);
  });

  it("forgets a key on reset, as if it had never been seen, also what the last window counted", async () => {
    const limiter = memoryLimiter();
    for (let i = 0; i < 5; i++) await limiter.check("minute", "192.0.2.20");
    for (let i = 0; i < 2; i++) await limiter.check("minute", "192.0.2.22");
    expect((await limiter.check("minute", "192.0.2.20")).allowed).toBe(false);
    await limiter.reset("minute", "192.0.2.20");
    expect((await limiter.check("minute", "192.0.2.20")).remaining).toBe(4);
    // Other keys keep their count.
    expect((await limiter.check("minute", "192.0.2.22")).remaining).toBe(2);

    // Just after the window turned, the previous window's 5 would still weigh 4 (one more request
    // would fit): the reset forgets them too.
    for (let i = 0; i < 5; i++) await limiter.check("minute", "192.0.2.21");
    advance(61_000);
    await limiter.reset("minute", "192.0.2.21");
    const allowed = [];
    for (let i = 0; i < 6; i++) allowed.push((await limiter.check("minute", "192.0.2.21")).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false]);
  });

  it("slides: the previous window counts for the part the window still covers", async () => {
    const limiter = memoryLimiter();
    for (let i = 0; i < 5; i++) await limiter.check("minute", "192.0.2.1");

    // 15 s into the next window, 75% of the previous 5 still count: floor(3.75) = 3, so 2 more fit.
    advance(75_000);
    expect((await limiter.check("minute", "192.0.2.1")).allowed).toBe(true);
    expect((await limiter.check("minute", "192.0.2.1")).allowed).toBe(true);
    expect((await limiter.check("minute", "192.0.2.1")).allowed).toBe(false);

    // Two windows later, nothing is left of them.
    advance(120_000);
    expect((await limiter.check("minute", "192.0.2.1")).remaining).toBe(4);
  });

  it("builds the IETF draft RateLimit headers", async () => {
    const limiter = memoryLimiter();
    advance(50_000);
    const decision = await limiter.check("minute", "192.0.2.1");
    const headers = rateLimitHeaders(decision, minute);
    expect(headers["RateLimit-Policy"]).toBe('"test-minute";q=5;w=60');
    expect(headers.RateLimit).toBe('"test-minute";r=4;t=10');
    expect(headers["Retry-After"]).toBeUndefined();
    // A table policy can be named instead of passed.
    expect(rateLimitHeaders(decision, "totp-account")["RateLimit-Policy"]).toBe('"totp-account";q=5;w=300');
  });

  it("refuses an unknown policy and an empty key with a message saying what to pass", async () => {
    const limiter = memoryLimiter();
    await expect(limiter.check("nope" as "minute", "192.0.2.1")).rejects.toThrow(
      'Unknown rate limit policy "nope". Known policies: minute.',
    );
    await expect(limiter.check("minute", "  ")).rejects.toThrow(/empty ip key/);
  });
});

describe("the policy table", () => {
  it("fails closed for auth policies and open for general traffic", () => {
    const closed = Object.values(RATE_LIMIT_POLICIES).filter((policy) => policy.onStoreDown === "closed");
    expect(closed.map((policy) => policy.name).sort()).toEqual([
      "email-change-account",
      "invitation-send-user",
      "password-reset-account",
      "password-reset-ip",
      "reauth-account",
      "sign-in-account",
      "sign-in-device",
      "sign-in-ip",
      "sign-up-ip",
      "totp-account",
      "verification-resend-account",
    ]);
    expect(RATE_LIMIT_POLICIES["totp-account"]).toMatchObject({
      limit: 5,
      windowSeconds: 300,
      keyKind: "account",
    });
  });

  it("applies the RATE_LIMIT_FAIL_OPEN / _CLOSED overrides", () => {
    const policies = withStoreDownOverrides(RATE_LIMIT_POLICIES, {
      failOpen: ["sign-in-ip"],
      failClosed: ["api-user"],
    });
    expect(policies["sign-in-ip"].onStoreDown).toBe("open");
    expect(policies["api-user"].onStoreDown).toBe("closed");
    expect(policies["pages-ip"].onStoreDown).toBe("open");
    expect(RATE_LIMIT_POLICIES["sign-in-ip"].onStoreDown).toBe("closed");
  });
});
