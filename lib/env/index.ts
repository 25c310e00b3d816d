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
  /SECRET|TOKEN|PASSWORD|PASSPHRASE|PRIVATE|_KEYS?$|_IDENTITY$|^DATABASE_URL$|_DSN$|^REDIS_URL$|^SMTP_URL$/;

/**
 * The current values of every secret-looking variable, for the log redactor. A list value such as
 * AUTH_ENCRYPTION_KEYS ("k1:base64,k2:base64") also yields each entry and each key on its own, so a
 * single key in a log line is caught too.
 */
export function secretEnvValues(env: Record<string, string | undefined> = process.env): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_ENV_NAME.test(name) && !name.startsWith("NEXT_PUBLIC_") && value)
    .flatMap(([, value]) => {
      // Commas or lines: BACKUP_IDENTITY may hold one age identity per line, as an identity file does.
      const entries = (value as string).split(/[,\n]/).map((entry) => entry.trim());
      const keys = entries.map((entry) => entry.slice(entry.indexOf(":") + 1));
      return [...new Set([value as string, ...entries, ...keys])];
    })
    .filter((secret) => secret.length >= 6);
}
