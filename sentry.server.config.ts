// Sentry for the Node.js server runtime. Off unless SENTRY_DSN is set.
import * as Sentry from "@sentry/nextjs";
import { serverEnv } from "./lib/env";
import { sentryOptions } from "./lib/monitoring";

const env = serverEnv();
Sentry.init(
  sentryOptions({
    dsn: env.SENTRY_DSN,
    environment: env.SENTRY_ENVIRONMENT,
    tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE,
  }),
);
