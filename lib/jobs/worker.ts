import "server-only";

// The worker's door to lib/jobs: what a worker process (`npm run worker`, `npm run dev`) needs to
// run the jobs. Kept apart from index.ts, the app's door, so that code which only enqueues does not
// load (and Next does not bundle) what the jobs run: backups, exports, deletions.

export { flushErrorReports, startErrorReporting } from "../monitoring/server";
export { JobFailedError, jobDefinitions } from "./definitions";
export { forgetQueuedMailTo } from "./forget";
export { pruneExpiredRecords, RETENTION_RULES } from "./retention";
export {
  type JobDefinition,
  type JobRun,
  type JobWorker,
  type JobWorkerOptions,
  startJobWorker,
} from "./runner";
