import { z } from "zod";
import { envModule as db } from "../db/config";

/**
 * AUDIT_PSEUDONYM_KEY outside production when it is unset, so `npm run dev` and the tests work with
 * no setup. It is public, so production refuses it (checkAuditEnv): with it, anyone holding the logs
 * could recompute a deleted user's pseudonym from the user id the logs carry.
 */
export const DEVELOPMENT_PSEUDONYM_KEY = "shipshape-development-audit-pseudonym-key-NOT-A-SECRET";

/** The environment keys the audit module reads. lib/env validates them at startup with every other module's. */
export const auditEnvSchema = z.object({
  AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(400)
    .describe("Days audit events are kept; pruneAuditEvents deletes older ones. 400: a year plus a margin."),
  AUDIT_CLIENT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(90)
    .describe(
      "Days an audit event keeps its client IP address and user agent; the audit-client-retention job then redacts them (the chain still verifies).",
    ),
  AUDIT_PSEUDONYM_KEY: z
    .string()
    .min(32, { error: "must be at least 32 characters. Generate one with `openssl rand -base64 32`." })
    .optional()
    .describe(
      "HMAC key of audit pseudonyms and redactions (hash version 3). Required in production; never change it (the chains it hashed would stop verifying) and never put it in the logs.",
    ),
  AUDIT_EXPORT_MAX_ROWS: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(50_000)
    .describe(
      "Most rows one CSV export of the audit log holds; a larger filtered set is cut there and says so.",
    ),
});

export type AuditConfig = z.infer<typeof auditEnvSchema>;

/**
 * The env module lib/env composes (lib/env/modules.ts): its keys, its cross-key rules, and lib/db's
 * keys, which audit cannot run without (listing audit validates DATABASE_URL too).
 */
export const envModule = { schema: auditEnvSchema, check: checkAuditEnv, uses: { db } };
/** The pseudonym key, with the public development key outside production when it is unset. */
export function pseudonymKeyOf(config: Pick<AuditConfig, "AUDIT_PSEUDONYM_KEY">): string {
  return config.AUDIT_PSEUDONYM_KEY ?? DEVELOPMENT_PSEUDONYM_KEY;
}

/**
 * The rules that span several keys, for lib/env: production needs its own pseudonym key, and the
 * client details cannot outlive the events that hold them.
 */
export function checkAuditEnv(
  env: Pick<AuditConfig, "AUDIT_PSEUDONYM_KEY" | "AUDIT_RETENTION_DAYS" | "AUDIT_CLIENT_RETENTION_DAYS"> & {
    NODE_ENV: string;
  },
  ctx: z.RefinementCtx,
): void {
  if (env.AUDIT_CLIENT_RETENTION_DAYS > env.AUDIT_RETENTION_DAYS) {
    ctx.addIssue({
      code: "custom",
      path: ["AUDIT_CLIENT_RETENTION_DAYS"],
      message: `must be at most AUDIT_RETENTION_DAYS (${env.AUDIT_RETENTION_DAYS}): retention deletes the whole event then.`,
    });
  }
  if (env.NODE_ENV !== "production") return;
  if (!env.AUDIT_PSEUDONYM_KEY || env.AUDIT_PSEUDONYM_KEY === DEVELOPMENT_PSEUDONYM_KEY) {
    ctx.addIssue({
      code: "custom",
      path: ["AUDIT_PSEUDONYM_KEY"],
      message: env.AUDIT_PSEUDONYM_KEY
        ? "is the public development key. Generate one with `openssl rand -base64 32`."
        : "is required in production (keyed audit pseudonyms). Generate one with `openssl rand -base64 32`.",
    });
  }
}
