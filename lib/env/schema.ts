import { z } from "zod";
import { auditEnvSchema, checkAuditEnv } from "../audit/config";
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

/** Every variable with its own check (type, format, default), before the rules that span several. */
const serverEnvFields = appEnvSchema
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
  .extend(billingEnvSchema.shape);

type ServerEnvFields = z.infer<typeof serverEnvFields>;

/**
 * The server environment: every variable's own check, then the rules that span several, all in one
 * pass so that one start lists every problem. (On the merged object, zod skips refinements once a
 * field fails: a `LOG_LEVEL=verbose` would hide a missing AUTH_SECRET until the next start.)
 */
export const serverEnvSchema = z.record(z.string(), z.string().optional()).transform((input, ctx) => {
  const env: Record<string, unknown> = {};
  const invalid = new Set<string>();
  for (const [name, field] of Object.entries(serverEnvFields.shape as Record<string, z.ZodType>)) {
    const parsed = field.safeParse(input[name]);
    if (parsed.success) {
      env[name] = parsed.data;
      continue;
    }
    invalid.add(name);
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [name, ...issue.path] });
    // The cross-field rules see an invalid variable as unset (its default, if it has one).
    const unset = field.safeParse(undefined);
    env[name] = unset.success ? unset.data : undefined;
  }
  // They say nothing more about an invalid variable: its own problem is listed already. A required
  // variable that failed (DATABASE_URL) is undefined here, against its type; no rule reads one.
  const checked = env as ServerEnvFields;
  const report = {
    ...ctx,
    addIssue(issue) {
      const name = typeof issue === "string" ? undefined : issue.path?.[0];
      if (name === undefined || !invalid.has(String(name))) ctx.addIssue(issue);
    },
  } satisfies z.RefinementCtx;
  // Modules' own cross-field rules (zod drops refinements when shapes are merged).
  checkMailEnv(checked, report);
  checkAuthEnv(checked, report);
  checkAuditEnv(checked, report);
  checkBackupKeyIds(checked, report);
  checkBackupUploadEnv(checked, report);
  refineRatelimitEnv(checked, report);
  checkBillingEnv(checked, report);
  checkAppUrl(checked, report);
  return { ...checked, APP_URL: checked.APP_URL ?? DEVELOPMENT_APP_URL };
});

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
