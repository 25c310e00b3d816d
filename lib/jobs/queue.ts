import type PgBoss from "pg-boss";
import type { MailMessage } from "../mail";
import { type BossOptions, createBoss, ensureQueues, JOBS_SCHEMA } from "./boss";
import { JOB_QUEUES, type JobName } from "./queues";

/**
 * A sign-up as lib/auth answered it: the normalized address, the name, the password's argon2id hash
 * encrypted (lib/auth encryptSecret, context `sign-up:<email>`) so the job tables hold no hash, and
 * the client for the audit event.
 */
export type SignUpJobData = {
  email: string;
  name: string | null;
  passwordHashEncrypted: string;
  ip: string;
  userAgent: string | null;
};

/** What each queue's jobs carry. Plain JSON: it is stored in PostgreSQL until the job is archived. */
export interface JobPayloads {
  "mail-send": MailMessage;
  "sign-up": SignUpJobData;
  "data-export-build": { exportId: string };
  "account-deletion": Record<string, never>;
  /** lib/billing's StripeCustomerErasure: orgId null deletes the customer. */
  "stripe-customer-erasure": { customerId: string; orgId: string | null };
  "audit-client-retention": Record<string, never>;
  prune: Record<string, never>;
  "audit-retention": Record<string, never>;
  "audit-verify": Record<string, never>;
  backup: Record<string, never>;
  "backup-drill": Record<string, never>;
}

/**
 * The job could not be stored. Its cause is the database's error: lib/http answers an unreachable
 * database as 503 `database_unavailable` (lib/db isDatabaseUnavailable looks through the cause).
 */
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

/** The Prisma client or one of its transactions (lib/jobs doesn't import lib/db: only SQL is needed). */
type SqlRunner = { $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number> };

/**
 * Takes a job that no worker has fetched yet out of its queue and says whether it did: false when a
 * worker already has it (or it is gone). Lets the process that enqueued a job do the work itself,
 * right away, while the queued job stands by for a crash: pass the transaction that does the work,
 * so the job leaves the queue exactly when the work commits, and only one of the two ever does it.
 */
export async function claimQueuedJob(db: SqlRunner, name: JobName, id: string): Promise<boolean> {
  const deleted = await db.$executeRawUnsafe(
    `DELETE FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND id = $2::uuid AND state = 'created'`,
    name,
    id,
  );
  return deleted === 1;
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
