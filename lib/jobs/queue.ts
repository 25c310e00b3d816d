import type PgBoss from "pg-boss";
import type { MailMessage } from "../mail";
import { type BossOptions, createBoss, ensureQueues } from "./boss";
import { JOB_QUEUES, type JobName } from "./queues";

/** What each queue's jobs carry. Plain JSON: it is stored in PostgreSQL until the job is archived. */
export interface JobPayloads {
  "mail-send": MailMessage;
  "data-export-build": { exportId: string };
  "account-deletion": Record<string, never>;
  prune: Record<string, never>;
  "audit-retention": Record<string, never>;
  "audit-verify": Record<string, never>;
  backup: Record<string, never>;
  "backup-drill": Record<string, never>;
}

/** The job could not be stored (the database is down): an outage, answered as a 500 and reported. */
export class JobEnqueueError extends Error {
  override name = "JobEnqueueError";
}

// One producer per process, kept on globalThis so Next's dev reloads do not open a pool per edit.
const globalForJobs = globalThis as unknown as { shipshapeJobProducer?: Promise<PgBoss> };

function producer(options?: BossOptions): Promise<PgBoss> {
  globalForJobs.shipshapeJobProducer ??= (async () => {
    const boss = createBoss("producer", options);
    await boss.start();
    // The app may enqueue before any worker ever started: make sure the queues exist.
    await ensureQueues(boss, Object.entries(JOB_QUEUES), { update: false });
    return boss;
  })().catch((error: unknown) => {
    // Not cached when it failed, so the next call tries again (the database may be back).
    globalForJobs.shipshapeJobProducer = undefined;
    throw error;
  });
  return globalForJobs.shipshapeJobProducer;
}

/**
 * What `inTransaction` needs of a transaction: a Prisma interactive transaction client fits. The job
 * row is written on that transaction's connection, so it commits or rolls back with it.
 */
export interface SqlTransaction {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

export interface EnqueueOptions {
  /** At most one job with this key waits or runs at a time in a stately queue. */
  singletonKey?: string;
  /** Run no earlier than this. */
  startAfter?: Date;
  /**
   * Write the job inside this transaction: it exists exactly when the transaction's other changes
   * commit (the outbox pattern, without an outbox table: pg-boss's job table is in the same database).
   */
  inTransaction?: SqlTransaction;
}

/**
 * Adds a job to its queue and returns its id, or null when the queue's policy dropped it as a
 * duplicate (a stately queue already has one waiting). Throws JobEnqueueError when the job could
 * not be stored; the job runs on a worker (`npm run worker`, or in-process in development).
 */
export async function enqueueJob<Name extends JobName>(
  name: Name,
  data: JobPayloads[Name],
  options: EnqueueOptions = {},
): Promise<string | null> {
  try {
    const boss = await producer();
    const transaction = options.inTransaction;
    return await boss.send(name, data as object, {
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.startAfter ? { startAfter: options.startAfter } : {}),
      ...(transaction
        ? {
            db: {
              executeSql: async (text: string, values: unknown[]) => ({
                rows: await transaction.$queryRawUnsafe<unknown[]>(text, ...values),
              }),
            },
          }
        : {}),
    });
  } catch (error) {
    throw new JobEnqueueError(
      `Could not enqueue a ${name} job: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Sends an email from a worker, with retries and backoff, so the request does not wait on SMTP.
 * Use it for notifications. Mail carrying a single-use link (verification, reset, unlock, email
 * change, invitations) goes through sendMail directly: the job row would hold a working token in
 * plain text, and the person is waiting for that email (docs/decisions/0019-background-jobs.md).
 * With `inTransaction` the email is queued only if that transaction commits.
 */
export async function queueMail(
  message: MailMessage,
  options: Pick<EnqueueOptions, "inTransaction"> = {},
): Promise<string | null> {
  return enqueueJob("mail-send", message, options);
}

/** Closes this process's producer pool (scripts and tests; the app keeps it for its lifetime). */
export async function stopJobProducer(): Promise<void> {
  const pending = globalForJobs.shipshapeJobProducer;
  globalForJobs.shipshapeJobProducer = undefined;
  const boss = await pending?.catch(() => undefined);
  await boss?.stop({ graceful: false, wait: true });
}
