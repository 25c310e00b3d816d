// Readiness: can this process serve real traffic? One database round-trip, bounded in time.
// 503 tells a load balancer to route around this instance until the database answers again.
import { pingDatabase } from "@/lib/db";
import { route } from "@/lib/http";
import { logger } from "@/lib/log";

export const dynamic = "force-dynamic";

const DATABASE_TIMEOUT_MS = 3_000;

export const GET = route(
  { auth: "public", rateLimit: { exempt: "probed by load balancers every few seconds" }, input: {} },
  async () => {
    try {
      await withTimeout(pingDatabase(), DATABASE_TIMEOUT_MS);
      return { status: "ready", checks: { database: "ok" } };
    } catch (error) {
      logger.error({ err: error }, "readiness check failed: database round-trip");
      return Response.json(
        {
          status: "unavailable",
          checks: { database: "unreachable" },
          reason: `The database did not answer a round-trip within ${DATABASE_TIMEOUT_MS / 1000} s.`,
        },
        { status: 503, headers: { "cache-control": "no-store" } },
      );
    }
  },
);

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
