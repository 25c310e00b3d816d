// Every rate limit the app applies, as data in one table. Pure data: no server-only, so config.ts
// (and through it lib/env) can validate policy names in RATE_LIMIT_FAIL_OPEN / RATE_LIMIT_FAIL_CLOSED.

/** What a policy counts requests by. The raw value is hashed before it reaches the store (keys.ts). */
export type RateLimitKeyKind = "ip" | "account" | "user" | "device";

export type RateLimitPolicy = {
  /** Stable identifier: used in Redis keys, logs and the RateLimit response headers. */
  name: string;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  /**
   * Sliding window (Redis: two fixed-window counters, the previous one weighted by how much of it
   * still overlaps the window). The only algorithm here; another would add a case in each store.
   */
  algorithm: "sliding-window";
  keyKind: RateLimitKeyKind;
  /**
   * What to do when the store (Redis) can't answer: "closed" refuses the request (auth: an attacker
   * must not get unlimited guesses by knocking Redis over), "open" lets it through (general traffic:
   * an outage of Redis should not take the whole app down). Overridable per deployment with
   * RATE_LIMIT_FAIL_OPEN / RATE_LIMIT_FAIL_CLOSED.
   */
  onStoreDown: "closed" | "open";
};

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * The numbers, and why. Per-IP limits are looser than per-account ones because many people can
 * share one address (offices, universities, mobile carrier NAT); per-account limits are what stop
 * guessing against one victim, whatever the number of addresses the attacker uses.
 */
const table = {
  // A person who mistypes retries a few times; 20 per 15 min leaves room for a shared office IP
  // while capping one address at ~1,900 password guesses a day.
  "sign-in-ip": { limit: 20, windowSeconds: 15 * MINUTE, keyKind: "ip", onStoreDown: "closed" },
  // Caps online guessing against one account at ~960 a day from any number of IPs. Counts failures
  // only: lib/auth refunds the hit of a successful sign-in (refundRateLimit). It applies to every
  // browser that isn't a known device of the account, so an attacker can keep those locked out
  // for 15 min at a time, but not the owner's known browsers (sign-in-device).
  "sign-in-account": { limit: 10, windowSeconds: 15 * MINUTE, keyKind: "account", onStoreDown: "closed" },
  // Replaces sign-in-account for a browser holding a device cookie of the account (lib/auth's
  // device-cookie.ts, decision 0027): the owner's known browser keeps this budget of its own while
  // an attacker elsewhere keeps the account locked. Keyed by the cookie's nonce; failures only
  // (success is refunded). Past it, the browser signs in like an unknown one.
  "sign-in-device": { limit: 10, windowSeconds: 15 * MINUTE, keyKind: "device", onStoreDown: "closed" },
  // Nobody signs up more than a couple of times an hour; bulk account creation does.
  "sign-up-ip": { limit: 5, windowSeconds: HOUR, keyKind: "ip", onStoreDown: "closed" },
  // Each request sends an email: limit per IP (one sender hitting many inboxes) and per account
  // (many senders flooding one inbox, which also burns the app's email reputation).
  "password-reset-ip": { limit: 5, windowSeconds: HOUR, keyKind: "ip", onStoreDown: "closed" },
  "password-reset-account": { limit: 3, windowSeconds: HOUR, keyKind: "account", onStoreDown: "closed" },
  // Also sends an email. Five an hour covers "it went to spam, send it again".
  "verification-resend-account": { limit: 5, windowSeconds: HOUR, keyKind: "account", onStoreDown: "closed" },
  // A 6-digit TOTP accepted with ±1 step has 3 valid codes in 10^6: 5 tries per 5 min is ~1,440
  // a day, a ~0.4% chance a day of guessing one. People need at most two or three tries. The sign-in
  // challenge counts wrong codes only (lib/auth refunds a right one); enrolment and step-up count all.
  "totp-account": { limit: 5, windowSeconds: 5 * MINUTE, keyKind: "account", onStoreDown: "closed" },
  // Step-up re-authentication (password or TOTP) before a sensitive change: a second guessing
  // surface against a signed-in account, so as tight as sign-in.
  "reauth-account": { limit: 5, windowSeconds: 15 * MINUTE, keyKind: "account", onStoreDown: "closed" },
  // Each sends an email to an address the requester chooses: an email change to the new address,
  // an invitation to the invitee. Caps how far one account can be used to spam others.
  "email-change-account": { limit: 3, windowSeconds: HOUR, keyKind: "account", onStoreDown: "closed" },
  "invitation-send-user": { limit: 30, windowSeconds: HOUR, keyKind: "user", onStoreDown: "closed" },
  // Building an export reads everything a user owns: a few a day is plenty.
  "data-export-user": { limit: 3, windowSeconds: 24 * HOUR, keyKind: "user", onStoreDown: "open" },
  // An audit log export reads up to AUDIT_EXPORT_MAX_ROWS events: enough for a few retries of a
  // filter each hour, not a loop that copies the whole log over and over.
  "audit-export-user": { limit: 20, windowSeconds: HOUR, keyKind: "user", onStoreDown: "open" },
  // 5 requests a second on average per signed-in user: more than a dashboard needs, little enough
  // that one user's script can't crowd out everyone else.
  "api-user": { limit: 300, windowSeconds: MINUTE, keyKind: "user", onStoreDown: "open" },
  // Page views and Next.js prefetches (a page with many links prefetches each one), per IP.
  // Generous because of shared addresses; it is there to blunt scrapers and floods.
  "pages-ip": { limit: 600, windowSeconds: MINUTE, keyKind: "ip", onStoreDown: "open" },
} satisfies Record<string, Omit<RateLimitPolicy, "name" | "algorithm">>;

export type RateLimitPolicyName = keyof typeof table;

export const RATE_LIMIT_POLICY_NAMES = Object.keys(table) as RateLimitPolicyName[];

export const RATE_LIMIT_POLICIES = Object.fromEntries(
  RATE_LIMIT_POLICY_NAMES.map((name) => [name, { name, algorithm: "sliding-window", ...table[name] }]),
) as Record<RateLimitPolicyName, RateLimitPolicy>;

/** The table with each listed policy's onStoreDown overridden (RATE_LIMIT_FAIL_OPEN / _CLOSED). */
export function withStoreDownOverrides<Name extends string>(
  policies: Record<Name, RateLimitPolicy>,
  overrides: { failOpen: readonly string[]; failClosed: readonly string[] },
): Record<Name, RateLimitPolicy> {
  const entries = Object.entries(policies) as [Name, RateLimitPolicy][];
  return Object.fromEntries(
    entries.map(([name, policy]) => {
      if (overrides.failOpen.includes(name)) return [name, { ...policy, onStoreDown: "open" }];
      if (overrides.failClosed.includes(name)) return [name, { ...policy, onStoreDown: "closed" }];
      return [name, policy];
    }),
  ) as Record<Name, RateLimitPolicy>;
}
