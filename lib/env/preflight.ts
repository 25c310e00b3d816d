import { serverEnvSchema } from "./schema";
import { InvalidEnvironmentError, parseEnv } from "./validate";

/**
 * The environment check for the commands that start a Next.js server (`npm start`, `npm run dev`),
 * run before Next does: Next prints "Ready" as soon as it listens, before instrumentation.ts checks
 * the environment, so a refusal there follows what looks like a successful start. Returns the
 * message listing every problem, or null when the server would start.
 */
export function serverEnvRefusal(env: Record<string, string | undefined>): string | null {
  try {
    parseEnv(serverEnvSchema, env);
    return null;
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.message;
    throw error;
  }
}
