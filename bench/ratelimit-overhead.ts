// What checkRateLimit adds to a request: a trivial route handler (builds a small JSON Response)
// called one call at a time, without and with a rate limit check before it, in the same run.
// The Redis row is checkRateLimit itself on REDIS_URL (default redis://127.0.0.1:6379, loopback);
// the memory row is the same limiter on the in-process store. Each call counts a different user,
// so every check takes the "allowed" path (the one that writes). Prints a table; asserts nothing.
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
delete process.env.UPSTASH_REDIS_REST_URL;
process.env.LOG_LEVEL = "warn";
const { checkRateLimit, createMemoryStore, createRateLimiter, disconnectRateLimiter, RATE_LIMIT_POLICIES } =
  await import("../lib/ratelimit");
const { createLogger } = await import("../lib/log");

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

const cases: Record<string, (call: number) => Promise<Response>> = {
  "handler only": async (call) => handler(call),
  "checkRateLimit on Redis + handler": async (call) => {
    const decision = await checkRateLimit("api-user", `bench-${runId}-${call}`);
    if (!decision.allowed || decision.storeUnavailable)
      throw new Error(`Redis check failed: ${JSON.stringify(decision)}`);
    return handler(call);
  },
  "memory store + handler": async (call) => {
    const decision = await memoryLimiter.check("api-user", `bench-${runId}-${call}`);
    if (!decision.allowed) throw new Error("memory check refused");
    return handler(call);
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
  for (const run of Object.values(cases)) await timeCalls(run);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      samples.get(name)?.push(...(await timeCalls(run)));
    }
  }
  const baseline = median(samples.get("handler only") ?? []);
  console.table(
    [...samples].map(([name, durations]) => {
      const value = median(durations);
      return {
        case: name,
        "median µs/call": value.toFixed(1),
        "added µs/call": (value - baseline).toFixed(1),
        "ratio vs handler only": (value / baseline).toFixed(1),
      };
    }),
  );
  console.log(
    `${ROUNDS} rounds of ${CALLS_PER_ROUND} sequential calls per case, after one warm-up round each.`,
  );
} finally {
  await disconnectRateLimiter();
}
