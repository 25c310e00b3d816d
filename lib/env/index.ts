import "server-only";
import { type ServerEnv, serverEnvSchema } from "./schema";
import { parseEnv } from "./validate";

export { type ServerEnv, serverEnvSchema } from "./schema";
export { InvalidEnvironmentError, parseEnv } from "./validate";

let cached: ServerEnv | undefined;

/**
 * The validated server environment. The first call validates process.env (instrumentation.ts makes
 * that call at startup, so a bad value stops the process before it serves anything).
 */
export function serverEnv(): ServerEnv {
  cached ??= parseEnv(serverEnvSchema, process.env);
  return cached;
}

/** Names of variables whose values are secrets; the logger scrubs their values from every line. */
export const SECRET_ENV_NAME =
  /SECRET|TOKEN|PASSWORD|PRIVATE|_KEY$|^DATABASE_URL$|_DSN$|^REDIS_URL$|^SMTP_URL$/;

/** The current values of every secret-looking variable, for the log redactor. */
export function secretEnvValues(env: Record<string, string | undefined> = process.env): string[] {
  return Object.entries(env)
    .filter(
      ([name, value]) =>
        SECRET_ENV_NAME.test(name) && !name.startsWith("NEXT_PUBLIC_") && value && value.length >= 6,
    )
    .map(([, value]) => value as string);
}
