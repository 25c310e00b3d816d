import * as SentryModule from "@sentry/nextjs";
import { sentryOptions } from "../monitoring";

// Run by tsx (`npm run worker`), Node loads @sentry/nextjs as CommonJS and sees only `init` as a named
// export: the SDK's re-exported functions are on the default export alone. Bundled (Next, Vitest),
// they are named exports. Either way this is the same SDK instance.
const Sentry: typeof SentryModule =
  (SentryModule as typeof SentryModule & { default?: typeof SentryModule }).default ?? SentryModule;

/** Sentry for a worker process (the Next server initialises its own in sentry.server.config.ts). Off without a DSN. */
export function initWorkerErrorReporting(env: {
  SENTRY_DSN?: string;
  SENTRY_ENVIRONMENT?: string;
  SENTRY_TRACES_SAMPLE_RATE?: number;
}): void {
  Sentry.init(
    sentryOptions({
      dsn: env.SENTRY_DSN,
      environment: env.SENTRY_ENVIRONMENT,
      tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE,
    }),
  );
}

/** Sends what is still queued (before the process exits); false when it did not finish in time. */
export function flushErrorReports(timeoutMs = 2_000): Promise<boolean> {
  return Sentry.flush(timeoutMs);
}

/** Reports a job's final failure, tagged with the job's name so alerts can group by job. */
export function reportJobError(job: string, context: { id: string; attempt: number }, error: unknown): void {
  Sentry.withScope((scope) => {
    scope.setTag("job", job);
    scope.setContext("job", context);
    Sentry.captureException(error);
  });
}
