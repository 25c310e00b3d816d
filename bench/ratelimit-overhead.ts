// What checkRateLimit adds to a request, one call at a time, without and with a rate limit check in
// front, in the same run, for two routes: a trivial handler (builds a small JSON Response: the
// worst case for the ratio) and a handler that makes one database round trip first, as most of the
// app's routes do (the ratio a user would feel).
// The Redis rows are checkRateLimit itself on REDIS_URL (default redis://127.0.0.1:6379, loopback);
// the memory row is the same limiter on the in-process store. The database is the app's Prisma
// client on DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres; it runs SELECT 1).
// Each call counts a different user, so every check takes the "allowed" path (the one that writes).
// Prints a table; asserts nothing.
// Run: npx tsx bench/ratelimit-overhead.ts
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

// lib/ modules `import "server-only"`, which resolves to an empty module only under the
// react-server condition. Started without it, run again with it.
if (!process.execArgv.some((arg) => arg.includes("react-server"))) {
  const args = [...process.execArgv, "--conditions=react-server", ...process.argv.slice(1)];
  process.exit(spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1);
}

process.env.REDIS_URL ||= "redis://127.0.0.1:6379";
process.env.DATABASE_URL ||= "postgresql://postgres@127.0.0.1:5432/postgres";
delete process.env.UPSTASH_REDIS_REST_URL;
process.env.LOG_LEVEL = "warn";
const { checkRateLimit, createMemoryStore, createRateLimiter, disconnectRateLimiter, RATE_LIMIT_POLICIES } =
  await import("../lib/ratelimit");
const { createLogger } = await import("../lib/log");
const { getDb, disconnectDb } = await import("../lib/db");

const CALLS_PER_ROUND = 2_000;
const ROUNDS = 5;
const runId = randomBytes(4).toString("hex");

const memoryLimiter = createRateLimiter({
  store: createMemoryStore(),
  policies: RATE_LIMIT_POLICIES,
  timeoutMs: 500,
  logger: createLogger({ LOG_LEVEL: "silent" }),
});

function handler(call: number): Response {
  return Response.json({ ok: true, call });
}

async function databaseHandler(call: number): Promise<Response> {
  await getDb().$queryRaw`SELECT 1`;
  return handler(call);
}

async function checkOnRedis(call: number): Promise<void> {
  const decision = await checkRateLimit("api-user", `bench-${runId}-${call}`);
  if (!decision.allowed || decision.storeUnavailable)
    throw new Error(`Redis check failed: ${JSON.stringify(decision)}`);
}

const TRIVIAL = "handler only";
const DATABASE = "one-query handler";
/** Each case, and the case without the limiter that its ratio is taken against. */
const cases: Record<string, { baseline: string; run: (call: number) => Promise<Response> }> = {
  [TRIVIAL]: { baseline: TRIVIAL, run: async (call) => handler(call) },
  "checkRateLimit on Redis + handler": {
    baseline: TRIVIAL,
    run: async (call) => {
      await checkOnRedis(call);
      return handler(call);
    },
  },
  "memory store + handler": {
    baseline: TRIVIAL,
    run: async (call) => {
      const decision = await memoryLimiter.check("api-user", `bench-${runId}-${call}`);
      if (!decision.allowed) throw new Error("memory check refused");
      return handler(call);
    },
  },
  [DATABASE]: { baseline: DATABASE, run: databaseHandler },
  "checkRateLimit on Redis + one-query handler": {
    baseline: DATABASE,
    run: async (call) => {
      await checkOnRedis(call);
      return databaseHandler(call);
    },
  },
};

let calls = 0;

/** Microseconds each call took. Every call gets a new number, hence a new user to count. */
async function timeCalls(run: (call: number) => Promise<Response>): Promise<number[]> {
  const durations: number[] = [];
  for (let i = 0; i < CALLS_PER_ROUND; i++) {
    calls += 1;
    const started = process.hrtime.bigint();
    await run(calls);
    durations.push(Number(process.hrtime.bigint() - started) / 1_000);
  }
  return durations;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

try {
  const samples = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));
  // Warm-up (JIT, the Redis connection, the script load), then rounds that alternate the cases so
  // each sees the same machine conditions.
  for (const { run } of Object.values(cases)) await timeCalls(run);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, { run }] of Object.entries(cases)) {
      samples.get(name)?.push(...(await timeCalls(run)));
    }
  }
  console.table(
    [...samples].map(([name, durations]) => {
      const baselineName = cases[name]?.baseline ?? TRIVIAL;
      const baseline = median(samples.get(baselineName) ?? []);
      const value = median(durations);
      return {
        case: name,
        "median µs/call": value.toFixed(1),
        "added µs/call": (value - baseline).toFixed(1),
        "ratio vs same handler without it": (value / baseline).toFixed(2),
      };
    }),
  );
  console.log(
    `${ROUNDS} rounds of ${CALLS_PER_ROUND} sequential calls per case, after one warm-up round each.`,
  );
} finally {
  await disconnectRateLimiter();
  await disconnectDb();
}
