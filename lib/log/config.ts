import { z } from "zod";

/** The environment keys the log module reads. */
export const logEnvSchema = z.object({
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("Lowest level written. `silent` turns logging off (used by some tests)."),
  LOG_FORMAT: z
    .enum(["json", "pretty"])
    .optional()
    .describe("json in production, pretty (human-readable) in development when unset."),
  LOG_SERVICE_NAME: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "may hold letters, digits and . _ - only (up to 64), such as my-app")
    .default("shipshape")
    .describe("The `service` field of every log line, to tell this app's lines apart in a shared log store."),
});

export type LogConfig = z.infer<typeof logEnvSchema>;

/** The env module lib/env composes (lib/env/modules.ts). */
export const envModule = { schema: logEnvSchema };
