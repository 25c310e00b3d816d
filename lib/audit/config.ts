import { z } from "zod";
import { envModule as db } from "../db/config";

/** The environment keys the audit module reads. lib/env validates them at startup with every other module's. */
export const auditEnvSchema = z.object({
  AUDIT_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .default(400)
    .describe("Days audit events are kept; pruneAuditEvents deletes older ones. 400: a year plus a margin."),
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
 * The env module lib/env composes (lib/env/modules.ts): its keys, and lib/db's, which audit cannot
 * run without (listing audit validates DATABASE_URL too).
 */
export const envModule = { schema: auditEnvSchema, uses: { db } };
