// The rule for tests that need an outside service (Redis, SMTP, ...): when the service can't be
// reached, skip with the reason printed, unless REQUIRE_SERVICES=1 (CI), where that is a failure.
//
//   const redisUp = await requireService("Redis at " + url, () => pingRedis(url));
//   describe.skipIf(!redisUp)("rate limits on Redis", () => { ... });
import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import type { TestDatabase } from "./test-database";

/**
 * Runs `probe`; true when it resolves. When it throws: with REQUIRE_SERVICES=1 this throws (the
 * test file fails, naming the service and the error), otherwise it prints why and returns false.
 */
export async function requireService(name: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    return unavailable(name, `not reachable (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * pg_dump and pg_restore, able to dump the test database (the backup tests). The embedded PGlite is
 * PostgreSQL 18 and pg_dump (15 here) refuses servers newer than itself, so there they can't run.
 */
export async function requirePgDump(testDatabase: TestDatabase): Promise<boolean> {
  const name = "pg_dump and pg_restore (PostgreSQL client tools)";
  if (testDatabase.kind === "embedded") {
    return unavailable(
      name,
      "the embedded PGlite is PostgreSQL 18 and pg_dump refuses servers newer than itself; set TEST_DATABASE_URL to a PostgreSQL server",
    );
  }
  const run = promisify(execFile);
  return requireService(name, () =>
    Promise.all([run("pg_dump", ["--version"]), run("pg_restore", ["--version"])]),
  );
}

/** `name` can't be used, for `reason`: a failure under REQUIRE_SERVICES=1, else a printed skip. */
function unavailable(name: string, reason: string): false {
  if (process.env.REQUIRE_SERVICES === "1") {
    throw new Error(
      `REQUIRE_SERVICES=1 but ${name} is not usable: ${reason}. Fix that, or unset REQUIRE_SERVICES to skip these tests.`,
    );
  }
  console.warn(`Skipping tests that need ${name}: ${reason}. Set REQUIRE_SERVICES=1 to fail instead.`);
  return false;
}

/** Connects to the Redis at `url` and pings it once; rejects with the socket's error when it can't. */
export async function pingRedis(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // The socket error (ECONNREFUSED, ...) says more than the "Connection is closed." connect() rejects with.
  let socketError: Error | undefined;
  client.on("error", (error: Error) => {
    socketError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw socketError ?? error;
  } finally {
    client.disconnect();
  }
}

/**
 * A loopback port nothing listens on: bound once by the OS, then released. Connecting to it is
 * refused (a service that is down); a test may also start its own server on it.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
