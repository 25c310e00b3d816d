// Runs once when a Next.js server process starts (Node.js and edge runtimes), before any request.
// Error reporting is loaded only when SENTRY_DSN is set: without it no Sentry module is imported and
// nothing is instrumented (decision 0037).
import type { Instrumentation } from "next";
import { REQUEST_ID_TAG } from "./lib/monitoring";
import { reportError, reportRequestError } from "./lib/monitoring/server";
import { REQUEST_ID_HEADER } from "./lib/security";

export async function register(): Promise<void> {
  // `next build` loads this file too; validating runtime secrets there would fail every build.
  if (process.env.NEXT_PHASE === "phase-production-build") return;

  if (process.env.NEXT_RUNTIME === "nodejs") {
    await import("./lib/env/startup");
    const { serverEnv } = await import("./lib/env");
    await (await import("./lib/monitoring/server")).startErrorReporting(serverEnv());
    // lib/ratelimit reports a fail-closed store outage through this hook, so it imports no error
    // tracker itself (it copies into an app without one). reportError does nothing without a DSN.
    // Imported here, in the Node.js branch: lib/ratelimit's Redis client can't load on the edge.
    const { setRateLimitOutageReporter } = await import("./lib/ratelimit");
    setRateLimitOutageReporter((error, tags) => reportError(error, { tags }));
    // TRACE never reaches proxy.ts: Next.js answers it 500 while building the request.
    (await import("./lib/security/node-server")).refuseUnansweredMethods();
  }
  if (process.env.NEXT_RUNTIME === "edge") {
    const [{ parseEnv }, { monitoringEnvSchema }, { startErrorReporting }] = await Promise.all([
      import("./lib/env/validate"),
      import("./lib/monitoring/config"),
      import("./lib/monitoring/server"),
    ]);
    await startErrorReporting(parseEnv(monitoringEnvSchema, process.env));
  }
}

/**
 * Every error thrown while rendering a page or running a route handler or server action ends here.
 * The report carries the request id that proxy.ts assigned, so it can be matched to the log lines.
 */
export const onRequestError: Instrumentation.onRequestError = (error, request, context) => {
  const requestId = request.headers[REQUEST_ID_HEADER];
  reportRequestError(
    error,
    request,
    context,
    typeof requestId === "string" ? { [REQUEST_ID_TAG]: requestId } : {},
  );
};
