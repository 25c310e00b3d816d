import "server-only";
import { createRequire } from "node:module";
import pino, { type DestinationStream, type Logger } from "pino";
import { secretEnvValues } from "../env";
import { type LogConfig, logEnvSchema } from "./config";
import { currentRequestContext } from "./context";
import { redactSensitiveKeys, secretValueScrubber } from "./redact";

export type { Logger } from "pino";
export { currentRequestContext, type RequestContext, withRequestContext } from "./context";
export { REDACTED, redactSensitiveKeys, SENSITIVE_KEY } from "./redact";

export type CreateLoggerOptions = Partial<LogConfig> & {
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Values to cut out of every line; the secret env vars' values by default. */
  secrets?: string[];
};

/**
 * Builds a pino logger with Shipshape's rules: JSON in production (readable in development), the
 * request id on every line written inside withRequestContext(), redaction by key and by value, and
 * `service` on every line (LOG_SERVICE_NAME).
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  // An empty value counts as unset, as everywhere else in the env (lib/env's parseEnv).
  const config = logEnvSchema.parse({
    LOG_LEVEL: process.env.LOG_LEVEL || undefined,
    LOG_FORMAT: process.env.LOG_FORMAT || undefined,
    LOG_SERVICE_NAME: process.env.LOG_SERVICE_NAME || undefined,
  });
  const level = options.LOG_LEVEL ?? config.LOG_LEVEL;
  const format =
    options.LOG_FORMAT ?? config.LOG_FORMAT ?? (process.env.NODE_ENV === "production" ? "json" : "pretty");
  const scrub = secretValueScrubber(options.secrets ?? secretEnvValues());

  return pino(
    {
      level,
      base: { service: options.LOG_SERVICE_NAME ?? config.LOG_SERVICE_NAME },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: () => {
        const context = currentRequestContext();
        return context ? { requestId: context.requestId } : {};
      },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactSensitiveKeys(object) as Record<string, unknown>,
      },
      // The last step before a line is written: cut out any secret value that slipped into a message.
      hooks: { streamWrite: scrub },
    },
    options.destination ?? (format === "pretty" ? prettyStream() : pino.destination({ sync: false })),
  );
}

/**
 * pino-pretty is a development dependency. It runs in-process (not as a pino transport, whose worker
 * thread Next.js can't bundle) and is skipped with a JSON fallback when it isn't installed.
 */
function prettyStream(): DestinationStream {
  try {
    const require = createRequire(import.meta.url);
    const pretty = require("pino-pretty") as (options: object) => DestinationStream;
    return pretty({
      colorize: true,
      sync: true,
      translateTime: "SYS:HH:MM:ss",
      ignore: "pid,hostname,service",
    });
  } catch {
    return pino.destination({ sync: false });
  }
}

const globalForLog = globalThis as unknown as { shipshapeLogger?: Logger };

globalForLog.shipshapeLogger ??= createLogger();

/** The process-wide logger. */
export const logger: Logger = globalForLog.shipshapeLogger;
