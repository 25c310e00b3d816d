import "server-only";

// Background jobs on pg-boss: jobs live in PostgreSQL (schema `pgboss`) and run on any number of
// worker processes (`npm run worker`; in development, inside `npm run dev`). This is the app's door:
// enqueueing. Worker processes use `@/lib/jobs/worker`. README.md beside this file lists the jobs,
// their retries and schedules, and how to wire the module.

export { JOBS_SCHEMA } from "./boss";
export { type JobsConfig, jobsEnvSchema, readJobsConfig } from "./config";
export {
  claimQueuedJob,
  type EnqueueOptions,
  enqueueJob,
  JobEnqueueError,
  type JobPayloads,
  queueMail,
  type SignUpJobData,
  type SqlTransaction,
  stopJobProducer,
} from "./queue";
export {
  JOB_NAMES,
  JOB_QUEUES,
  type JobName,
  type QueuePolicy,
  type QueueSettings,
  scheduleOf,
} from "./queues";
