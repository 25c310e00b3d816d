import { z } from "zod";
import { auditEnvSchema } from "../audit/config";
import { authEnvSchema, checkAuthEnv } from "../auth/config";
import { backupEnvSchema, checkBackupKeyIds, checkBackupUploadEnv } from "../backup/config";
import { billingEnvSchema, checkBillingEnv } from "../billing/config";
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

/** Browser-visible keys (lib/env/public.ts reads them in client code), validated here at startup. */
const publicEnvSchema = z.object({
  NEXT_PUBLIC_SENTRY_DSN: z.url({ error: "must be a Sentry DSN URL" }).optional(),
});

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
  .extend(billingEnvSchema.shape)
  .superRefine((env, ctx) => {
    // Modules' own cross-field rules (zod drops refinements when shapes are merged).
    checkMailEnv(env, ctx);
    checkAuthEnv(env, ctx);
    checkBackupKeyIds(env, ctx);
    checkBackupUploadEnv(env, ctx);
    refineRatelimitEnv(env, ctx);
    checkBillingEnv(env, ctx);
  });

export type ServerEnv = z.infer<typeof serverEnvSchema>;
