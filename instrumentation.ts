// Runs once when a Next.js server process starts (Node.js and edge runtimes), before any request.
import * as Sentry from "@sentry/nextjs";
import type { Instrumentation } from "next";
import { REQUEST_ID_TAG } from "./lib/monitoring";
import { REQUEST_ID_HEADER } from "./lib/security";

export async function register(): Promise<void> {
  // `next build` loads this file too; validating runtime secrets there would fail every build.
  if (process.env.NEXT_PHASE === "phase-production-build") return;

  if (process.env.NEXT_RUNTIME === "nodejs") {
    await import("./lib/env/startup");
    await import("./sentry.server.config");
    // TRACE never reaches proxy.ts: Next.js answers it 500 while building the request.
    (await import("./lib/security/node-server")).refuseUnansweredMethods();
  }
  if (process.env.NEXT_RUNTIME === "edge") {
    await import("./sentry.edge.config");
  }
}

/**
 * Every error thrown while rendering a page or running a route handler or server action ends here.
 * The report carries the request id that proxy.ts assigned, so it can be matched to the log lines.
 */
export const onRequestError: Instrumentation.onRequestError = (error, request, context) => {
  const requestId = request.headers[REQUEST_ID_HEADER];
  Sentry.withScope((scope) => {
    if (typeof requestId === "string") scope.setTag(REQUEST_ID_TAG, requestId);
    Sentry.captureRequestError(error, request, context);
  });
};
