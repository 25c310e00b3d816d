// Error reporting on the server (Next.js server, edge, worker). The Sentry SDK is imported only by
// startErrorReporting, and only when a DSN is configured: without one, no Sentry module is loaded,
// nothing is initialised (no instrumentation hooks, no transport), and reportError costs one property
// read. The SDK is kept on globalThis because Next.js bundles instrumentation.ts separately from the
// routes: a module-level variable would be one copy per bundle, globalThis is one per process.
import type * as SentrySdk from "@sentry/nextjs";
import { sentryOptions } from "./index";

type Sentry = typeof SentrySdk;
const SDK_KEY = Symbol.for("shipshape.monitoring.sentry");
type Holder = { [SDK_KEY]?: Sentry };
const holder = globalThis as Holder;

/** What an error report may carry besides the error: tags to filter on, contexts to read. */
export type ErrorReportContext = {
  tags?: Record<string, string>;
  contexts?: Record<string, Record<string, unknown>>;
};

/**
 * Loads and initialises Sentry when `dsn` is set; returns whether reporting is on. Called once per
 * process: by instrumentation.ts's register(), by the job worker, and by tests with a local sink.
 */
export async function startErrorReporting(options: {
  SENTRY_DSN?: string;
  SENTRY_ENVIRONMENT?: string;
  SENTRY_TRACES_SAMPLE_RATE?: number;
}): Promise<boolean> {
  if (!options.SENTRY_DSN) return false;
  const loaded = (await import("@sentry/nextjs")) as Sentry & { default?: Sentry };
  // Run by tsx (`npm run worker`), Node loads the SDK as CommonJS and its functions are on the
  // default export alone; bundled (Next, Vitest), they are named exports. Same SDK either way.
  const sdk = loaded.default ?? loaded;
  sdk.init(
    sentryOptions({
      dsn: options.SENTRY_DSN,
      environment: options.SENTRY_ENVIRONMENT,
      tracesSampleRate: options.SENTRY_TRACES_SAMPLE_RATE,
    }),
  );
  holder[SDK_KEY] = sdk;
  return true;
}

/** Whether startErrorReporting turned reporting on in this process. */
export function isErrorReportingOn(): boolean {
  return holder[SDK_KEY] !== undefined;
}

/** Sends `error` to Sentry when reporting is on; does nothing otherwise. Never throws. */
export function reportError(error: unknown, context: ErrorReportContext = {}): void {
  holder[SDK_KEY]?.captureException(error, context);
}

/**
 * Next.js's onRequestError hook (instrumentation.ts): the error with the request's route and method,
 * tagged with the request id so it can be matched to the log lines.
 */
export function reportRequestError(
  ...[error, request, context, tags]: [...Parameters<Sentry["captureRequestError"]>, Record<string, string>]
): void {
  const sdk = holder[SDK_KEY];
  if (!sdk) return;
  sdk.withScope((scope) => {
    scope.setTags(tags);
    sdk.captureRequestError(error, request, context);
  });
}

/** Sends what is still queued (before the process exits); false when it did not finish in time. */
export async function flushErrorReports(timeoutMs = 2_000): Promise<boolean> {
  return (await holder[SDK_KEY]?.flush(timeoutMs)) ?? true;
}

/** Flushes, closes the SDK and turns reporting off (tests that start it with a local sink). */
export async function stopErrorReporting(): Promise<void> {
  const sdk = holder[SDK_KEY];
  if (!sdk) return;
  delete holder[SDK_KEY];
  await sdk.close(2_000);
}
