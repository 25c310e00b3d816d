// `npm run worker`: one background job worker (lib/jobs) on DATABASE_URL. Run as many as you like:
// pg-boss hands each job to exactly one of them, and the scheduled jobs (pruning, retention, account
// deletion, optional backups and drills) are enqueued once per run whichever worker's clock fires.
//
// SIGTERM or Ctrl-C: stops taking jobs, waits up to 30 s for the running ones, then exits 0 (a job
// still running then is failed and retried by another worker). In development `npm run dev` already
// runs a worker inside it; this is for production and for a development database of your own.
//
// Exit codes: 0 after a clean stop, 1 when it cannot start (bad environment, database unreachable).

import { fileURLToPath } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { disconnectDb } from "../lib/db";
import { InvalidEnvironmentError, serverEnv } from "../lib/env";
import { readJobsConfig } from "../lib/jobs";
import { flushErrorReports, jobDefinitions, startErrorReporting, startJobWorker } from "../lib/jobs/worker";

const STOP_TIMEOUT_MS = 30_000;

async function main(): Promise<void> {
  nextEnv.loadEnvConfig(
    fileURLToPath(new URL("..", import.meta.url)),
    process.env.NODE_ENV !== "production",
    {
      info: () => {},
      error: console.error,
    },
  );
  if (!process.env.DATABASE_URL) {
    console.error(
      "worker: DATABASE_URL is not set. In development `npm run dev` already runs a worker inside it; " +
        "to run one on its own, set DATABASE_URL (or put it in .env).",
    );
    process.exit(1);
  }
  // The same validation as the app's startup: a bad value stops the worker before it takes a job.
  await startErrorReporting(serverEnv());

  const worker = await startJobWorker({ definitions: jobDefinitions(readJobsConfig()) });
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`worker: ${signal} received, finishing running jobs (up to ${STOP_TIMEOUT_MS / 1000} s)`);
    await worker.stop({ timeoutMs: STOP_TIMEOUT_MS });
    await flushErrorReports();
    await disconnectDb();
    process.exit(0);
  };
  process.on("SIGTERM", (signal) => void stop(signal));
  process.on("SIGINT", (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  const known = error instanceof InvalidEnvironmentError;
  console.error(
    `worker failed to start: ${known ? (error as Error).message : ((error as Error)?.stack ?? error)}`,
  );
  process.exit(1);
});
