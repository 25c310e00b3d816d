// Sentry for the Node.js server runtime. Off unless SENTRY_DSN is set.
import * as Sentry from "@sentry/nextjs";
import { serverEnv } from "./lib/env";
import { sentryOptions } from "./lib/monitoring";
import { setRateLimitOutageReporter } from "./lib/ratelimit";

const env = serverEnv();
Sentry.init(
  sentryOptions({
    dsn: env.SENTRY_DSN,
    environment: env.SENTRY_ENVIRONMENT,
    tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE,
  }),
);

// lib/ratelimit reports a fail-closed store outage through this hook, so it needs no Sentry itself.
setRateLimitOutageReporter((error, tags) => Sentry.captureException(error, { tags }));
