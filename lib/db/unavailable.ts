// "Can't reach the database" as one question with one answer. The same outage reaches the code in
// many shapes: Prisma's known errors (P1001 for a model query, P2010 wrapping the adapter's error for
// raw SQL), node-postgres errors passed through as they are (a pool that can't hand out a connection
// in time), Node socket errors (pg-boss talks to pg directly), and wrappers of these (lib/jobs'
// JobEnqueueError keeps the pg error as its cause). The endpoint wrapper and the page gate ask
// isDatabaseUnavailable() and answer 503 instead of a 500 that would read as a bug.

/** Prisma error codes that mean the server could not be reached or dropped the connection. */
const PRISMA_UNREACHABLE_CODES = new Set([
  "P1001", // can't reach database server
  "P1002", // reached, but timed out
  "P1008", // operations timed out
  "P1017", // server has closed the connection
  "P2024", // timed out fetching a connection from the pool
]);

/** @prisma/adapter-pg's DriverAdapterError kinds for the same (mapSocketError, 53300). */
const ADAPTER_UNREACHABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);

/**
 * PostgreSQL SQLSTATEs of a server that is going away, starting, or full: 57P01 admin_shutdown (a
 * restart or pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up or
 * in recovery), 53300 too_many_connections. Class 08 (connection exception) is matched by prefix.
 */
const SERVER_UNAVAILABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

/** Node socket error codes of a host that doesn't answer (pg and pg-boss pass them through). */
const SOCKET_UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * node-postgres raises these as plain Errors without a code: pg-pool's acquire timeout (every
 * connection busy, or the server not answering within connectionTimeoutMillis) and a connection
 * that died under a client.
 */
const PG_UNREACHABLE_MESSAGES = [
  /^timeout exceeded when trying to connect$/,
  /^Connection terminated (unexpectedly|due to connection timeout)$/,
  /^Client has encountered a connection error and is not queryable$/,
];

/**
 * True when `error` (or anything it wraps: `cause`, an AggregateError's `errors`, Prisma's
 * `meta.driverAdapterError`) says the database can't be reached or can't take the query now.
 * A query the database refused (a constraint, a syntax error, a missing table) is not an outage.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const current = pending.pop();
    if (typeof current !== "object" || current === null || seen.has(current) || seen.size > 20) continue;
    seen.add(current);
    if (describesOutage(current as Record<string, unknown>)) return true;
    const { cause, errors, meta } = current as { cause?: unknown; errors?: unknown; meta?: unknown };
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...errors);
    if (typeof meta === "object" && meta !== null) {
      pending.push((meta as { driverAdapterError?: unknown }).driverAdapterError);
    }
  }
  return false;
}

function describesOutage(error: Record<string, unknown>): boolean {
  const { code, kind, message, name } = error;
  if (typeof kind === "string") {
    if (ADAPTER_UNREACHABLE_KINDS.has(kind)) return true;
    // The adapter's catch-all for other server errors carries the SQLSTATE.
    if (kind === "postgres" && typeof code === "string") return isUnavailableSqlState(code);
  }
  if (typeof code === "string") {
    if (typeof name === "string" && name.startsWith("PrismaClient"))
      return PRISMA_UNREACHABLE_CODES.has(code);
    if (SOCKET_UNREACHABLE_CODES.has(code) || isUnavailableSqlState(code)) return true;
  }
  return (
    error instanceof Error &&
    typeof message === "string" &&
    PG_UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message))
  );
}

function isUnavailableSqlState(code: string): boolean {
  return SERVER_UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/** Seconds a client is asked to wait before trying again (Retry-After). */
export const DATABASE_RETRY_AFTER_SECONDS = 30;

/**
 * Set as the error's digest, so the error page (a client component, which gets no message in
 * production) can tell an outage from a bug. components/error-panel.tsx repeats the value.
 */
export const DATABASE_UNAVAILABLE_DIGEST = "DATABASE_UNAVAILABLE";

/**
 * The database can't be reached: a 503 with a stable code, a message a person can act on and a
 * Retry-After. The original error is its cause (logged, and sent to Sentry, by whoever answers).
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  readonly status = 503;
  readonly code = "database_unavailable";
  readonly retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS;
  readonly digest = DATABASE_UNAVAILABLE_DIGEST;
  constructor(options?: { cause?: unknown }) {
    super("The service is temporarily unavailable: nothing was changed. Try again in a minute.", options);
  }
}
