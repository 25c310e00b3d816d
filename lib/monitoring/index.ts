// Error reporting with Sentry. Isomorphic on purpose: the server, edge and browser configs all build
// their options here, so the privacy rules are written once. The env schema lives in ./config.ts and
// is not re-exported: this file is in the browser bundle, and zod must stay out of it (see lib/env/public.ts).
import type { BrowserOptions, EdgeOptions, NodeOptions } from "@sentry/nextjs";
import { scrubEvent } from "./scrub";

export { scrubEvent } from "./scrub";

/** The tag that links an error report to the request's log lines. */
export const REQUEST_ID_TAG = "request_id";

type SharedOptions = NodeOptions & EdgeOptions & BrowserOptions;

/**
 * Options shared by every runtime. Sentry is off (enabled: false) without a DSN, so a founder's
 * fresh clone sends nothing anywhere.
 */
export function sentryOptions(input: {
  dsn: string | undefined;
  environment?: string;
  tracesSampleRate?: number;
}): SharedOptions {
  return {
    dsn: input.dsn,
    enabled: Boolean(input.dsn),
    environment: input.environment ?? process.env.NODE_ENV,
    tracesSampleRate: input.tracesSampleRate ?? 0,
    // Collect what helps triage, not what identifies people or carries credentials.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: {
        request: { deny: ["cookie", "authorization", "x-forwarded-for", "x-real-ip"] },
        response: false,
      },
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      stackFrameVariables: false,
    },
    beforeSend: (event) => scrubEvent(event),
  };
}
