import { z } from "zod";

/** The environment keys the monitoring (Sentry) module reads on the server. */
export const monitoringEnvSchema = z.object({
  SENTRY_DSN: z
    .url({ error: "must be a Sentry DSN URL such as https://key@o0.ingest.sentry.io/0" })
    .optional(),
  SENTRY_ENVIRONMENT: z.string().min(1).optional(),
  SENTRY_TRACES_SAMPLE_RATE: z.coerce.number().min(0).max(1).default(0),
});

export type MonitoringConfig = z.infer<typeof monitoringEnvSchema>;

/** The env module lib/env composes (lib/env/modules.ts): its keys. */
export const envModule = { schema: monitoringEnvSchema };
