import PgBoss from "pg-boss";
import { dbEnvSchema } from "../db";
import { logger } from "../log";
import type { QueueSettings } from "./queues";

/**
 * The PostgreSQL schema pg-boss keeps its tables in. Prisma never sees it (its models are in
 * `public`), so the migration drift check ignores it; backups leave it out (lib/backup).
 */
export const JOBS_SCHEMA = "pgboss";

/**
 * Completed jobs move to pgboss.archive after an hour and are deleted from it after a day: job data
 * can hold an email address (queued mail), which should not linger.
 */
const ARCHIVE_COMPLETED_AFTER_SECONDS = 60 * 60;
const DELETE_ARCHIVED_AFTER_DAYS = 1;

export type BossRole = "producer" | "worker";

export interface BossOptions {
  /** Default: DATABASE_URL. */
  databaseUrl?: string;
  /** Connections in pg-boss's own pool. Default: 1 on the embedded PGlite (DATABASE_POOL_MAX=1), else 2 (producer) or 4 (worker). */
  poolMax?: number;
  /** How often a worker looks for the next cron run (pg-boss default 30 s); tests lower it. */
  cronMonitorIntervalSeconds?: number;
  /** How often the cron dispatcher polls (pg-boss default 5 s); tests lower it. */
  cronWorkerIntervalSeconds?: number;
}

/**
 * A pg-boss instance. A producer only enqueues (the app's request handlers): no maintenance, no cron.
 * A worker also supervises (expires stuck jobs, archives and deletes old ones) and runs the cron
 * clock; pg-boss coordinates those across any number of workers through the database.
 */
export function createBoss(role: BossRole, options: BossOptions = {}): PgBoss {
  const db = dbEnvSchema.parse(
    options.databaseUrl ? { ...process.env, DATABASE_URL: options.databaseUrl } : process.env,
  );
  const embedded = db.DATABASE_POOL_MAX === 1;
  const boss = new PgBoss({
    connectionString: db.DATABASE_URL,
    schema: JOBS_SCHEMA,
    application_name: `shipshape-jobs-${role}`,
    // PGlite runs one protocol conversation at a time: one connection, as for the app's own pool.
    max: options.poolMax ?? (embedded ? 1 : role === "producer" ? 2 : 4),
    supervise: role === "worker",
    schedule: role === "worker",
    migrate: true,
    archiveCompletedAfterSeconds: ARCHIVE_COMPLETED_AFTER_SECONDS,
    deleteAfterDays: DELETE_ARCHIVED_AFTER_DAYS,
    ...(options.cronMonitorIntervalSeconds
      ? { cronMonitorIntervalSeconds: options.cronMonitorIntervalSeconds }
      : {}),
    ...(options.cronWorkerIntervalSeconds
      ? { cronWorkerIntervalSeconds: options.cronWorkerIntervalSeconds }
      : {}),
  });
  // Without a listener an 'error' event would crash the process. These are pg-boss's own background
  // errors (a lost connection during maintenance); it keeps going and retries.
  boss.on("error", (error) => logger.error({ err: error, role }, "job queue background error"));
  return boss;
}

/** pg-boss's queue options for our settings. */
export function queueOptions(name: string, settings: QueueSettings): PgBoss.Queue {
  return {
    name,
    policy: settings.policy,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: settings.retryBackoff,
    expireInSeconds: settings.expireInSeconds,
  };
}

/**
 * Creates each queue that does not exist yet (createQueue is a no-op for an existing one), then
 * brings its settings up to date, so a changed retry limit takes effect at the next worker start.
 */
export async function ensureQueues(
  boss: PgBoss,
  queues: Iterable<[string, QueueSettings]>,
  { update }: { update: boolean },
): Promise<void> {
  for (const [name, settings] of queues) {
    await boss.createQueue(name, queueOptions(name, settings));
    if (update) await boss.updateQueue(name, queueOptions(name, settings));
  }
}
