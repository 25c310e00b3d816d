// The queues, as data: what each job is for, how it is retried, how long a run may take, whether
// two may run at once, and when it is scheduled. Handlers are joined to these in definitions.ts;
// this file has none, so code that only enqueues (the app) does not load what the jobs run.

import type { JobsConfig } from "./config";

/**
 * pg-boss queue policies used here:
 * - "standard": any number of jobs queued and running at once, across every worker;
 * - "stately": at most one job waiting and one running per queue, across every worker. Scheduled
 *   maintenance uses it: a run never overlaps the previous one, and a slow run does not let cron
 *   pile up a backlog of identical jobs.
 */
export type QueuePolicy = "standard" | "stately";

export interface QueueSettings {
  /** One line for the README table and the logs. */
  description: string;
  policy: QueuePolicy;
  /** Retries after the first attempt fails. 0: a failure is final. */
  retryLimit: number;
  /** Seconds before the first retry; with retryBackoff, roughly doubled (with jitter) on each retry. */
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** A run still going after this long is failed (and retried) by pg-boss's supervisor. */
  expireInSeconds: number;
  /** Jobs of this queue one worker process runs at the same time. */
  concurrency: number;
  /**
   * When cron enqueues it (UTC): a fixed expression, the name of the env key holding one (unset:
   * not scheduled), or none (enqueued by the app).
   */
  schedule?: { cron: string } | { env: keyof JobsConfig & `JOBS_${string}_CRON` };
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;

export const JOB_QUEUES = {
  "mail-send": {
    description: "Sends one email (queueMail), so a request does not wait on SMTP.",
    policy: "standard",
    // sendMail already retries within a run (200 ms, 1 s); these retries ride out a longer outage:
    // about 30 s, 1 min, 2 min, 4 min and 8 min after each failure.
    retryLimit: 5,
    retryDelaySeconds: 30,
    retryBackoff: true,
    expireInSeconds: 2 * MINUTE,
    concurrency: 2,
  },
  "sign-up": {
    description:
      "Finishes a sign-up the app answered (the account and its verification mail, or the owner's mail) if the answering process did not.",
    policy: "standard",
    // Each run checks what an earlier one got done (the account exists with this sign-up's hash).
    retryLimit: 5,
    retryDelaySeconds: 30,
    retryBackoff: true,
    expireInSeconds: 2 * MINUTE,
    concurrency: 2,
  },
  "data-export-build": {
    description: "Builds one user's data export (a zip of JSON files) and stores it for download.",
    policy: "standard",
    retryLimit: 3,
    retryDelaySeconds: 30,
    retryBackoff: true,
    expireInSeconds: 15 * MINUTE,
    concurrency: 1,
  },
  "account-deletion": {
    description: "Hard-deletes the accounts whose deletion grace period has ended.",
    policy: "stately",
    retryLimit: 3,
    retryDelaySeconds: 5 * MINUTE,
    retryBackoff: true,
    expireInSeconds: 30 * MINUTE,
    concurrency: 1,
    schedule: { cron: "7 * * * *" },
  },
  "stripe-customer-erasure": {
    description:
      "After an account's hard delete: deletes the Stripe customer of an organization deleted with it, or gives a surviving one's customer a current owner's email.",
    policy: "standard",
    // Stripe may be down for a while: about 1, 2, 4… minutes apart, about three days in all (decision 0040).
    retryLimit: 12,
    retryDelaySeconds: MINUTE,
    retryBackoff: true,
    expireInSeconds: 5 * MINUTE,
    concurrency: 1,
  },
  prune: {
    description:
      "Deletes expired emailed tokens, old invitations, old Stripe events and expired data export archives.",
    policy: "stately",
    retryLimit: 2,
    retryDelaySeconds: 5 * MINUTE,
    retryBackoff: true,
    expireInSeconds: 30 * MINUTE,
    concurrency: 1,
    schedule: { cron: "23 * * * *" },
  },
  "audit-retention": {
    description: "Deletes audit events older than AUDIT_RETENTION_DAYS, leaving a checkpoint per chain.",
    policy: "stately",
    retryLimit: 2,
    retryDelaySeconds: 15 * MINUTE,
    retryBackoff: true,
    expireInSeconds: HOUR,
    concurrency: 1,
    schedule: { cron: "41 3 * * *" },
  },
  "audit-client-retention": {
    description:
      "Redacts the IP address and user agent of audit events older than AUDIT_CLIENT_RETENTION_DAYS (the chains still verify).",
    policy: "stately",
    retryLimit: 2,
    retryDelaySeconds: 15 * MINUTE,
    retryBackoff: true,
    expireInSeconds: HOUR,
    concurrency: 1,
    schedule: { cron: "53 3 * * *" },
  },
  "audit-verify": {
    description: "Verifies every audit hash chain; a broken chain fails the job (and reaches Sentry).",
    policy: "stately",
    // A broken chain stays broken: retrying only repeats the alert.
    retryLimit: 0,
    retryDelaySeconds: 0,
    retryBackoff: false,
    expireInSeconds: HOUR,
    concurrency: 1,
    schedule: { cron: "11 5 * * *" },
  },
  backup: {
    description: "npm run backup: an encrypted pg_dump into BACKUP_DIR, then the retention policy.",
    policy: "stately",
    retryLimit: 1,
    retryDelaySeconds: 10 * MINUTE,
    retryBackoff: false,
    expireInSeconds: 3 * HOUR,
    concurrency: 1,
    schedule: { env: "JOBS_BACKUP_CRON" },
  },
  "backup-drill": {
    description: "npm run backup:drill: back up, restore into a scratch database, compare, record.",
    policy: "stately",
    retryLimit: 0,
    retryDelaySeconds: 0,
    retryBackoff: false,
    expireInSeconds: 6 * HOUR,
    concurrency: 1,
    schedule: { env: "JOBS_BACKUP_DRILL_CRON" },
  },
} as const satisfies Record<string, QueueSettings>;

export type JobName = keyof typeof JOB_QUEUES;

export const JOB_NAMES = Object.keys(JOB_QUEUES) as JobName[];

/** The cron expression a queue runs on with this configuration, or undefined when it is not scheduled. */
export function scheduleOf(settings: QueueSettings, config: JobsConfig): string | undefined {
  if (!settings.schedule) return undefined;
  return "cron" in settings.schedule ? settings.schedule.cron : config[settings.schedule.env];
}
