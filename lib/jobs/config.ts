import { z } from "zod";
import { parseEnv } from "../env/validate";

// The environment keys the jobs module reads. lib/env composes this object into the server schema.
// Every key has a default or is optional: the worker runs with none of them set.

/**
 * Five cron fields (minute hour day-of-month month day-of-week), evaluated in UTC. Checked for shape
 * here; pg-boss parses the expression itself when the worker registers it, and refuses a bad one.
 */
const CRON = /^\s*(\S+\s+){4}\S+\s*$/;
const cron = z.string().regex(CRON, {
  error: 'must be a cron expression with five fields, such as "0 2 * * *" (02:00 UTC daily)',
});

const days = (fallback: number) => z.coerce.number().int().min(1).max(36_500).default(fallback);

export const jobsEnvSchema = z.object({
  JOBS_BACKUP_CRON: cron
    .optional()
    .describe('When the worker runs `backup` (UTC cron, such as "0 2 * * *"). Unset: no scheduled backup.'),
  JOBS_BACKUP_DRILL_CRON: cron
    .optional()
    .describe(
      'When the worker runs the restore drill (UTC cron, such as "0 4 * * 0"). Unset: no scheduled drill.',
    ),
  AUTH_TOKEN_RETENTION_DAYS: days(7).describe(
    "Days an expired emailed token (verification, reset, unlock, email change) is kept before pruning.",
  ),
  INVITATION_RETENTION_DAYS: days(30).describe(
    "Days an expired, revoked or accepted invitation is kept before pruning.",
  ),
  STRIPE_EVENT_RETENTION_DAYS: days(400).describe(
    "Days a processed or ignored Stripe webhook event is kept (replay, billing history, data export).",
  ),
  DATA_EXPORT_RETENTION_DAYS: days(30).describe(
    "Days an expired or failed data export's row (no archive) is kept before pruning.",
  ),
});

export type JobsConfig = z.infer<typeof jobsEnvSchema>;

/** The jobs settings, read from `env`. Throws InvalidEnvironmentError naming a bad value. */
export function readJobsConfig(env: Record<string, string | undefined> = process.env): JobsConfig {
  return parseEnv(jobsEnvSchema, env);
}

/** The env module lib/env composes (lib/env/modules.ts): its keys. */
export const envModule = { schema: jobsEnvSchema };
