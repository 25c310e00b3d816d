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
});

export type LogConfig = z.infer<typeof logEnvSchema>;
