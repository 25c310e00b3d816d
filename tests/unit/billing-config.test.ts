import { describe, expect, it } from "vitest";
import { readBillingConfig } from "@/lib/billing/config";
import { envProblems } from "../support/env";

const problemsOf = (env: Record<string, string>) => envProblems(() => readBillingConfig(env));
const liveProduction = {
  NODE_ENV: "production",
  STRIPE_SECRET_KEY: "sk_live_abc",
  STRIPE_WEBHOOK_SECRET: "whsec_abc",
  STRIPE_PRICE_PRO: "price_pro",
  STRIPE_PRICE_BUSINESS: "price_business",
};

describe("billing config", () => {
  it("is off with nothing set: no key, no prices, the defaults for trial and grace", () => {
    expect(readBillingConfig({})).toEqual({
      enabled: false,
      secretKey: undefined,
      webhookSecret: undefined,
      prices: { pro: [], business: [] },
      trialDays: 0,
      graceDays: 7,
      apiBase: undefined,
    });
  });

  it("reads price lists (the first is sold) and refuses anything that isn't a price id", () => {
    const config = readBillingConfig({
      STRIPE_SECRET_KEY: "sk_test_1",
      STRIPE_PRICE_PRO: "price_new, price_old",
    });
    expect(config).toMatchObject({
      enabled: true,
      prices: { pro: ["price_new", "price_old"], business: [] },
    });
    expect(problemsOf({ STRIPE_PRICE_PRO: "prod_123" })).toEqual([
      expect.stringMatching(/^STRIPE_PRICE_PRO: contains "prod_123", which is not a Stripe price id/),
    ]);
  });

  it("needs the webhook secret and every plan's price in production once billing is on", () => {
    expect(problemsOf(liveProduction)).toEqual([]);
    const { STRIPE_WEBHOOK_SECRET: _secret, STRIPE_PRICE_BUSINESS: _price, ...incomplete } = liveProduction;
    expect(problemsOf(incomplete)).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: is required in production/),
      expect.stringMatching(/^STRIPE_PRICE_BUSINESS: is required in production/),
    ]);
    // Development with a test key and nothing else is fine: the billing page says what is missing.
    expect(problemsOf({ STRIPE_SECRET_KEY: "sk_test_1" })).toEqual([]);
    expect(problemsOf({ STRIPE_WEBHOOK_SECRET: "not-a-secret" })[0]).toMatch(
      /^STRIPE_WEBHOOK_SECRET: must be/,
    );
  });

  it("keeps live and test keys apart", () => {
    expect(problemsOf({ STRIPE_SECRET_KEY: "sk_live_abc" })[0]).toMatch(
      /live Stripe key, refused outside production/,
    );
    expect(problemsOf({ ...liveProduction, STRIPE_SECRET_KEY: "sk_test_abc" })[0]).toMatch(
      /test-mode Stripe key in production/,
    );
    expect(
      problemsOf({
        ...liveProduction,
        STRIPE_SECRET_KEY: "sk_test_abc",
        ALLOW_TEST_KEYS_IN_PRODUCTION: "true",
      }),
    ).toEqual([]);
  });

  it("points the SDK at a local fake only in tests, only with a test key, never in a deployment", () => {
    const fake = readBillingConfig({
      STRIPE_SECRET_KEY: "sk_test_1",
      STRIPE_API_BASE_URL: "http://127.0.0.1:3344",
    });
    expect(fake.apiBase).toEqual({ host: "127.0.0.1", port: 3344, protocol: "http" });
    expect(
      problemsOf({
        STRIPE_SECRET_KEY: "rk_live_1",
        NODE_ENV: "production",
        STRIPE_API_BASE_URL: "http://127.0.0.1:1",
      }),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^STRIPE_API_BASE_URL: is for tests against a local fake and needs a test-mode/,
        ),
        expect.stringMatching(/^STRIPE_API_BASE_URL: is for tests only and refused in production/),
      ]),
    );
    // The e2e suite runs a production build with ENABLE_TEST_ROUTES=true.
    const e2e = { ...liveProduction, STRIPE_SECRET_KEY: "sk_test_1", ALLOW_TEST_KEYS_IN_PRODUCTION: "true" };
    expect(
      problemsOf({ ...e2e, STRIPE_API_BASE_URL: "http://127.0.0.1:1", ENABLE_TEST_ROUTES: "true" }),
    ).toEqual([]);
  });

  it("bounds the trial and the grace period", () => {
    expect(readBillingConfig({ STRIPE_TRIAL_DAYS: "14", BILLING_PAST_DUE_GRACE_DAYS: "3" })).toMatchObject({
      trialDays: 14,
      graceDays: 3,
    });
    expect(problemsOf({ STRIPE_TRIAL_DAYS: "1000" })[0]).toMatch(/^STRIPE_TRIAL_DAYS: must be at most 730/);
    expect(problemsOf({ BILLING_PAST_DUE_GRACE_DAYS: "-1" })[0]).toMatch(/^BILLING_PAST_DUE_GRACE_DAYS/);
  });
});
