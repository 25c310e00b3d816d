import { z } from "zod";
import { auditEnvSchema } from "../audit/config";
import { authEnvSchema, checkAuthEnv } from "../auth/config";
import { backupEnvSchema, checkBackupKeyIds } from "../backup/config";
import { dbEnvSchema } from "../db/config";
import { jobsEnvSchema } from "../jobs/config";
import { logEnvSchema } from "../log/config";
import { checkMailEnv, mailEnvSchema } from "../mail/config";
import { monitoringEnvSchema } from "../monitoring/config";
import { privacyEnvSchema } from "../privacy/config";
import { ratelimitEnvObject, refineRatelimitEnv } from "../ratelimit/config";

const optionalString = z.string().min(1).optional();
const flag = z.stringbool().default(false);

/** Keys that belong to the app as a whole rather than to one module. */
const appEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  APP_URL: z
    .url({ protocol: /^https?$/, error: "must be the app's public URL, such as https://app.example.com" })
    .default("http://localhost:3000")
    .describe("Public base URL, used only for links in emails. Never derived from the Host header."),
  PRODUCTION_DATABASE_HOSTS: optionalString.describe(
    "Comma-separated database hosts the seed must never touch (wildcards like *.prod.example.com).",
  ),
  ENABLE_TEST_ROUTES: flag.describe(
    "Serves /api/test-support/* for the e2e tests. Never set it in a deployment.",
  ),
});

/**
 * Stripe keys are read here only to keep development and production apart; the billing module
 * owns everything else about them. Billing stays off while STRIPE_SECRET_KEY is unset.
 */
/** Browser-visible keys (lib/env/public.ts reads them in client code), validated here at startup. */
const publicEnvSchema = z.object({
  NEXT_PUBLIC_SENTRY_DSN: z.url({ error: "must be a Sentry DSN URL" }).optional(),
});

const stripeKeysSchema = z.object({
  STRIPE_SECRET_KEY: optionalString,
  NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: optionalString,
  ALLOW_TEST_KEYS_IN_PRODUCTION: flag,
});

const LIVE_KEY = /^(sk|rk|pk)_live_/;
const TEST_KEY = /^(sk|rk|pk)_test_/;

export const serverEnvSchema = appEnvSchema
  .extend(dbEnvSchema.shape)
  .extend(logEnvSchema.shape)
  .extend(monitoringEnvSchema.shape)
  .extend(mailEnvSchema.shape)
  .extend(authEnvSchema.shape)
  .extend(backupEnvSchema.shape)
  .extend(ratelimitEnvObject.shape)
  .extend(auditEnvSchema.shape)
  .extend(jobsEnvSchema.shape)
  .extend(privacyEnvSchema.shape)
  .extend(publicEnvSchema.shape)
  .extend(stripeKeysSchema.shape)
  .superRefine((env, ctx) => {
    // Modules' own cross-field rules (zod drops refinements when shapes are merged).
    checkMailEnv(env, ctx);
    checkAuthEnv(env, ctx);
    checkBackupKeyIds(env, ctx);
    refineRatelimitEnv(env, ctx);

    const isProduction = env.NODE_ENV === "production";
    for (const key of ["STRIPE_SECRET_KEY", "NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY"] as const) {
      const value = env[key];
      if (!value) continue;
      if (!isProduction && LIVE_KEY.test(value)) {
        ctx.addIssue({
          code: "custom",
          path: [key],
          message:
            "is a live Stripe key, refused outside production. Use a test-mode key (sk_test_/pk_test_).",
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
  });

export type ServerEnv = z.infer<typeof serverEnvSchema>;
