// Sentry for the edge runtime (routes that opt into `runtime = "edge"`). Off unless SENTRY_DSN is set.
import * as Sentry from "@sentry/nextjs";
import { parseEnv } from "./lib/env/validate";
import { sentryOptions } from "./lib/monitoring";
import { monitoringEnvSchema } from "./lib/monitoring/config";

const env = parseEnv(monitoringEnvSchema, process.env);
Sentry.init(
  sentryOptions({
    dsn: env.SENTRY_DSN,
    environment: env.SENTRY_ENVIRONMENT,
    tracesSampleRate: env.SENTRY_TRACES_SAMPLE_RATE,
  }),
);
