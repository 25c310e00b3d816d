import "server-only";
import { parseEnv } from "@/lib/env";
import { type MailConfig, mailConfigSchema } from "./config";

/**
 * The mail settings, read from `env` on each call (cheap, and a test or a job runner may change them).
 * Throws InvalidEnvironmentError naming the variable when a value is wrong.
 */
export function readMailConfig(env: Record<string, string | undefined> = process.env): MailConfig {
  return parseEnv(mailConfigSchema, env);
}
