import type PgBoss from "pg-boss";
import { type Logger, logger } from "../log";
import { type BossOptions, createBoss, ensureQueues } from "./boss";
import type { QueueSettings } from "./queues";
import { reportJobError } from "./sentry";

/** What a handler learns about the run it is in. */
export interface JobRun {
  id: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** No retry follows if this attempt fails: the handler can record the failure for the user. */
  isFinalAttempt: boolean;
  log: Logger;
}

/** A queue with its handler and its resolved schedule: what a worker runs. */
export interface JobDefinition {
  name: string;
  settings: QueueSettings;
  /** Cron expression (UTC) under which the worker registers the queue; undefined: not scheduled. */
  schedule?: string;
  /**
   * Runs one job. Must be idempotent: a job runs at least once, so after a crash or an expired run
   * it runs again. A thrown error fails the attempt (retried per the settings); the final failure
   * is reported to Sentry. Whatever it returns is stored as the job's output (keep it small, no
   * personal data).
   */
  handler(data: unknown, run: JobRun): Promise<unknown>;
}

export interface JobWorkerOptions extends BossOptions {
  definitions: JobDefinition[];
  /** How often each queue is polled for new jobs when idle (seconds, at least 0.5). Default 2. */
  pollingIntervalSeconds?: number;
}

export interface JobWorker {
  /**
   * Stops fetching, waits up to `timeoutMs` (default 30 s) for running jobs to finish, then fails
   * the ones still running (they are retried by the next worker) and closes the pool.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Starts a worker on DATABASE_URL (or options.databaseUrl): creates pg-boss's schema and the queues
 * if needed, registers each definition's cron schedule (and removes the schedule of a definition that
 * has none, so unsetting JOBS_BACKUP_CRON stops scheduled backups), and polls every queue.
 */
export async function startJobWorker(options: JobWorkerOptions): Promise<JobWorker> {
  const boss = createBoss("worker", options);
  await boss.start();
  try {
    await ensureQueues(
      boss,
      options.definitions.map((definition) => [definition.name, definition.settings]),
      { update: true },
    );
    for (const definition of options.definitions) {
      if (definition.schedule) {
        await boss.schedule(definition.name, definition.schedule, {}, { tz: "UTC" });
      } else {
        await boss.unschedule(definition.name);
      }
    }
    const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2;
    for (const definition of options.definitions) {
      for (let slot = 0; slot < definition.settings.concurrency; slot++) {
        await boss.work(
          definition.name,
          { includeMetadata: true, batchSize: 1, pollingIntervalSeconds },
          (jobs: PgBoss.JobWithMetadata[]) => runJobs(definition, jobs),
        );
      }
    }
  } catch (error) {
    await boss.stop({ graceful: false, wait: true });
    throw error;
  }
  logger.info(
    {
      queues: options.definitions.map((definition) => definition.name),
      scheduled: options.definitions.filter((d) => d.schedule).map((d) => `${d.name} @ ${d.schedule}`),
    },
    "job worker started",
  );
  let stopping: Promise<void> | undefined;
  return {
    stop({ timeoutMs = 30_000 } = {}) {
      stopping ??= (async () => {
        await boss.stop({ graceful: true, wait: true, timeout: timeoutMs });
        logger.info("job worker stopped");
      })();
      return stopping;
    },
  };
}

async function runJobs(definition: JobDefinition, jobs: PgBoss.JobWithMetadata[]): Promise<unknown> {
  // batchSize is 1: one job per call.
  const [job] = jobs;
  if (!job) return undefined;
  const run: JobRun = {
    id: job.id,
    attempt: job.retryCount + 1,
    isFinalAttempt: job.retryCount >= job.retryLimit,
    // Never the job's data: queued mail carries addresses and bodies.
    log: logger.child({ job: definition.name, jobId: job.id, attempt: job.retryCount + 1 }),
  };
  try {
    const output = await definition.handler(job.data, run);
    run.log.info("job completed");
    return output;
  } catch (error) {
    reportJobFailure(definition.name, run, error);
    throw error;
  }
}

/** A failed attempt: a warning while retries remain; the final one is an error and goes to Sentry. */
function reportJobFailure(name: string, run: JobRun, error: unknown): void {
  if (!run.isFinalAttempt) {
    run.log.warn({ err: error }, "job attempt failed, will retry");
    return;
  }
  run.log.error({ err: error }, "job failed, no retries left");
  reportJobError(name, { id: run.id, attempt: run.attempt }, error);
}
