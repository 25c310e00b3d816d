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
import { appUrlSchema } from "./app-url";

const optionalString = z.string().min(1).optional();
const flag = z.stringbool().default(false);

/** Keys that belong to the app as a whole rather than to one module. */
const appEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  APP_URL: appUrlSchema,
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
    checkAppUrl(env, ctx);
  })
  .transform((env) => ({ ...env, APP_URL: env.APP_URL ?? DEVELOPMENT_APP_URL }));

/** Where `npm run dev` serves the app; APP_URL's value everywhere but production when unset. */
const DEVELOPMENT_APP_URL = "http://localhost:3000";

/** Hosts a production build may run on over plain http: this machine (local runs, the e2e suite). */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * In production APP_URL must be set (else emails link to localhost) and https, because the session
 * cookie is Secure, and carries the __Secure- prefix, only when APP_URL is https: a deployment that
 * forgot it would send session cookies over plain http too.
 */
function checkAppUrl(env: { NODE_ENV: string; APP_URL?: string | undefined }, ctx: z.RefinementCtx): void {
  if (env.NODE_ENV !== "production") return;
  if (!env.APP_URL) {
    ctx.addIssue({
      code: "custom",
      path: ["APP_URL"],
      message: "is not set. Set it to the app's public https URL, such as https://app.example.com.",
    });
    return;
  }
  const url = new URL(env.APP_URL);
  if (url.protocol !== "https:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    ctx.addIssue({
      code: "custom",
      path: ["APP_URL"],
      message:
        "must start with https:// in production: session cookies are marked Secure only for an https APP_URL. " +
        "(Plain http is accepted only for localhost, to run a production build on this machine.)",
    });
  }
}

export type ServerEnv = z.infer<typeof serverEnvSchema>;
