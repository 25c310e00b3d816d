import { z } from "zod";
import { parseEnv } from "../env/validate";
import { PAID_PLAN_IDS, type PaidPlanId } from "./plans";

// The environment keys the billing module reads. lib/env composes `billingEnvSchema.shape` into the
// server schema and calls `checkBillingEnv` from its superRefine (zod drops refinements when shapes
// are merged). Billing is off while STRIPE_SECRET_KEY is unset: everyone is on the free plan.

const LIVE_KEY = /^(sk|rk|pk)_live_/;
const TEST_KEY = /^(sk|rk|pk)_test_/;
const PRICE_ID = /^price_[A-Za-z0-9]+$/;

/** The variable holding each paid plan's price ids (TypeScript insists on one per plan in plans.ts). */
export const PRICE_ENV = {
  pro: "STRIPE_PRICE_PRO",
  business: "STRIPE_PRICE_BUSINESS",
} as const satisfies Record<PaidPlanId, string>;

/**
 * A comma-separated list of price ids. The first is offered at checkout; the others (a yearly price,
 * a grandfathered old price) are still recognised on existing subscriptions.
 */
const priceList = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const ids = (value ?? "")
      .split(",")
      .map((id) => id.trim())
      .filter(Boolean);
    for (const id of ids) {
      if (!PRICE_ID.test(id)) {
        ctx.addIssue({
          code: "custom",
          message: `contains "${id.slice(0, 40)}", which is not a Stripe price id (price_…). Copy it from the product's page in the Stripe dashboard.`,
        });
      }
    }
    return ids;
  });

export const billingEnvSchema = z.object({
  STRIPE_SECRET_KEY: z
    .string()
    .min(1)
    .optional()
    .describe("Stripe secret key (sk_… or a restricted rk_… key). Unset: billing is off."),
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: z
    .string()
    .min(1)
    .optional()
    .describe("Stripe publishable key, for Stripe.js in the browser (Checkout itself does not need it)."),
  ALLOW_TEST_KEYS_IN_PRODUCTION: z
    .stringbool()
    .default(false)
    .describe("Accept test-mode Stripe keys when NODE_ENV=production (staging deployments only)."),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_/, { error: "must be the endpoint's signing secret (whsec_…) from the Stripe dashboard" })
    .optional()
    .describe("Signing secret of the webhook endpoint. Unset: the webhook answers 503."),
  STRIPE_PRICE_PRO: priceList.describe(
    "Stripe price id(s) of the Pro plan, comma-separated; the first is sold.",
  ),
  STRIPE_PRICE_BUSINESS: priceList.describe(
    "Stripe price id(s) of the Business plan, comma-separated; the first is sold.",
  ),
  STRIPE_TRIAL_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(730, { error: "must be at most 730 (Stripe's longest trial)" })
    .default(0)
    .describe("Days of free trial on an organization's first subscription. 0: no trial."),
  BILLING_PAST_DUE_GRACE_DAYS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60)
    .default(7)
    .describe("Days a past-due organization keeps its paid plan while Stripe retries the payment."),
  STRIPE_API_BASE_URL: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL such as http://127.0.0.1:12111" })
    .optional()
    .describe("Tests only: send Stripe API calls to this local fake instead of api.stripe.com."),
});

export type BillingEnv = z.infer<typeof billingEnvSchema>;

/** The rules across keys: live and test keys kept apart, and the fake API never reachable in production. */
export function checkBillingEnv(
  env: BillingEnv & { NODE_ENV: string; ENABLE_TEST_ROUTES?: boolean },
  ctx: z.RefinementCtx,
): void {
  const isProduction = env.NODE_ENV === "production";
  for (const key of ["STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY"] as const) {
    const value = env[key];
    if (!value) continue;
    if (!isProduction && LIVE_KEY.test(value)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: "is a live Stripe key, refused outside production. Use a test-mode key (sk_test_/pk_test_).",
      });
    }
    if (isProduction && TEST_KEY.test(value) && !env.ALLOW_TEST_KEYS_IN_PRODUCTION) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          "is a test-mode Stripe key in production. Use a live key, or set ALLOW_TEST_KEYS_IN_PRODUCTION=true for a staging deployment.",
      });
    }
  }

  if (env.STRIPE_API_BASE_URL) {
    // A secret key goes wherever this URL points: a live key must only ever go to Stripe.
    if (env.STRIPE_SECRET_KEY && !TEST_KEY.test(env.STRIPE_SECRET_KEY)) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_API_BASE_URL"],
        message: "is for tests against a local fake and needs a test-mode STRIPE_SECRET_KEY (sk_test_…).",
      });
    }
    // The e2e suite runs a production build with ENABLE_TEST_ROUTES=true, which no deployment sets.
    if (isProduction && !env.ENABLE_TEST_ROUTES) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_API_BASE_URL"],
        message: "is for tests only and refused in production. Unset it to talk to api.stripe.com.",
      });
    }
  }

  if (isProduction && env.STRIPE_SECRET_KEY) {
    if (!env.STRIPE_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_WEBHOOK_SECRET"],
        message:
          "is required in production when STRIPE_SECRET_KEY is set: without it no payment ever activates a plan. Copy the endpoint's signing secret from the Stripe dashboard.",
      });
    }
    for (const plan of PAID_PLAN_IDS) {
      if (env[PRICE_ENV[plan]].length === 0) {
        ctx.addIssue({
          code: "custom",
          path: [PRICE_ENV[plan]],
          message: `is required in production when STRIPE_SECRET_KEY is set: the price id (price_…) of the ${plan} plan.`,
        });
      }
    }
  }
}

/** What the billing module reads on its own: its keys plus NODE_ENV and ENABLE_TEST_ROUTES, with the rules. */
const billingConfigSchema = billingEnvSchema
  .extend({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    ENABLE_TEST_ROUTES: z.stringbool().default(false),
  })
  .superRefine(checkBillingEnv);

export type BillingConfig = {
  /** False without STRIPE_SECRET_KEY: no Stripe calls, everyone on the free plan. */
  enabled: boolean;
  secretKey: string | undefined;
  webhookSecret: string | undefined;
  /** Price ids per paid plan; the first of each list is the one sold. Empty: not for sale. */
  prices: Record<PaidPlanId, readonly string[]>;
  trialDays: number;
  graceDays: number;
  /** Where the SDK sends API calls when not api.stripe.com (tests only). */
  apiBase: { host: string; port: number; protocol: "http" | "https" } | undefined;
};

/**
 * Whether the secret key is a live-mode key (true), a test-mode key (false), or there is none (null).
 * Stripe events carry `livemode`; one from the other mode was not made with this key's account mode.
 */
export function keyLivemode(config: BillingConfig): boolean | null {
  if (!config.secretKey) return null;
  return LIVE_KEY.test(config.secretKey);
}

/**
 * The billing settings, read from `env` on each call (cheap, and tests change them). Throws
 * InvalidEnvironmentError naming the variable when a value is wrong.
 */
export function readBillingConfig(env: Record<string, string | undefined> = process.env): BillingConfig {
  const parsed = parseEnv(billingConfigSchema, env);
  const base = parsed.STRIPE_API_BASE_URL ? new URL(parsed.STRIPE_API_BASE_URL) : undefined;
  const protocol = base?.protocol === "http:" ? "http" : "https";
  return {
    enabled: Boolean(parsed.STRIPE_SECRET_KEY),
    secretKey: parsed.STRIPE_SECRET_KEY,
    webhookSecret: parsed.STRIPE_WEBHOOK_SECRET,
    prices: Object.fromEntries(PAID_PLAN_IDS.map((plan) => [plan, parsed[PRICE_ENV[plan]]])) as Record<
      PaidPlanId,
      string[]
    >,
    trialDays: parsed.STRIPE_TRIAL_DAYS,
    graceDays: parsed.BILLING_PAST_DUE_GRACE_DAYS,
    apiBase: base && {
      host: base.hostname,
      port: Number(base.port || (protocol === "http" ? 80 : 443)),
      protocol,
    },
  };
}

/** The env module lib/env composes (lib/env/modules.ts): its keys and the rules across them. */
export const envModule = { schema: billingEnvSchema, check: checkBillingEnv };
