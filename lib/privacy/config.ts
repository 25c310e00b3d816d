import { z } from "zod";
import { parseEnv } from "../env/validate";

/** The environment keys the privacy module reads. lib/env validates them at startup with every other module's. */
export const privacyEnvSchema = z.object({
  ACCOUNT_DELETION_GRACE_DAYS: z.coerce
    .number()
    .int()
    .min(1, { error: "must be at least 1: the grace period is what lets a person change their mind" })
    .max(365)
    .default(30)
    .describe("Days between a deletion request and the hard delete; signing in meanwhile offers to cancel."),
  DATA_EXPORT_TTL_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30)
    .default(7)
    .describe("Days a finished data export can be downloaded; its archive is dropped afterwards."),
});

export type PrivacyConfig = z.infer<typeof privacyEnvSchema>;

/** The privacy settings, read from `env` on each call. Throws InvalidEnvironmentError naming a bad value. */
export function readPrivacyConfig(env: Record<string, string | undefined> = process.env): PrivacyConfig {
  return parseEnv(privacyEnvSchema, env);
}

/** The env module lib/env composes (lib/env/modules.ts): its keys. */
export const envModule = { schema: privacyEnvSchema };
