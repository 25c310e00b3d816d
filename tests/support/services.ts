// The rule for tests that need an outside service (Redis, SMTP, ...): when the service can't be
// reached, skip with the reason printed, unless REQUIRE_SERVICES=1 (CI), where that is a failure.
//
//   const redisUp = await requireService("Redis at " + url, () => pingRedis(url));
//   describe.skipIf(!redisUp)("rate limits on Redis", () => { ... });
import { createServer } from "node:net";
import { Redis } from "ioredis";

/**
 * Runs `probe`; true when it resolves. When it throws: with REQUIRE_SERVICES=1 this throws (the
 * test file fails, naming the service and the error), otherwise it prints why and returns false.
 */
export async function requireService(name: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.REQUIRE_SERVICES === "1") {
      throw new Error(
        `REQUIRE_SERVICES=1 but ${name} is not reachable (${reason}). Start it, or unset REQUIRE_SERVICES to skip these tests.`,
      );
    }
    console.warn(
      `Skipping tests that need ${name}: not reachable (${reason}). Set REQUIRE_SERVICES=1 to fail instead.`,
    );
    return false;
  }
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
