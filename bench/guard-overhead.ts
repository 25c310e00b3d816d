// What the route wrapper's guard costs on a protected read: GET /api/orgs/[org]/projects/[id] (the
// real route: session cookie decrypted and checked, membership loaded, policy checked, rate limit
// counted, then the scoped single-row query) against a bare handler that runs the same query
// (lib/orgs getProject) and returns the same JSON, in the same run on the same database. A middle
// row shows how much of it is the session lookup alone.
// Each call is a new Request; callers cycle through 40 members, so the per-user rate limit (300 a
// minute) is never reached and the 5-second caches of the session's user row and of the membership
// (docs/decisions/0023) behave as under steady traffic: mostly hits, one read per user per window.
// The rate limiter uses its in-memory store here (REDIS_URL is unset): bench/ratelimit-overhead.ts
// measures what Redis adds.
// Run: npx tsx bench/guard-overhead.ts (without --conditions=react-server: see below)
// Over HTTP: add `--http` (build first: flock /tmp/shipshape-build.lock npx next build). The same
// guarded route is then called on `npm start` (127.0.0.1:BENCH_HTTP_PORT, default 3432) with the rate
// limiter on Redis (REDIS_URL, default redis://127.0.0.1:6379), through proxy.ts, Next's router and
// the Node HTTP stack, against /api/health on the same server (the wrapper with nothing behind it:
// what any request costs there). 400 members, so no one reaches the per-user limit.
// It creates and drops its own database on the server of BENCH_DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres). Prints a table; asserts nothing.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { register } from "node:module";
import { pathToFileURL } from "node:url";
import { admin, SERVER_URL } from "./support/server-database";

// lib/ modules `import "server-only"`, which resolves to an empty module only under the react-server
// condition; but that condition breaks next/navigation, which the route wrapper imports. So this
// script runs without it and resolves "server-only" to the package's empty module itself, as the
// Vitest config does.
if (process.execArgv.some((arg) => arg.includes("react-server"))) {
  const args = process.execArgv.filter((arg) => !arg.includes("react-server") && arg !== "--conditions");
  process.exit(
    spawnSync(process.execPath, [...args, ...process.argv.slice(1)], { stdio: "inherit" }).status ?? 1,
  );
}
const emptyModule = pathToFileURL(`${process.cwd()}/node_modules/server-only/empty.js`).href;
register(
  `data:text/javascript,${encodeURIComponent(
    `export async function resolve(specifier, context, next) {
      return specifier === "server-only" ? { url: ${JSON.stringify(emptyModule)}, shortCircuit: true } : next(specifier, context);
    }`,
  )}`,
);

const OVER_HTTP = process.argv.includes("--http");
const HTTP_PORT = Number(process.env.BENCH_HTTP_PORT || 3432);
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const MEMBERS = OVER_HTTP ? 400 : 40;
// Fewer over HTTP: each call costs a whole request on the server, and the run must fit the rate-limit window.
const CALLS_PER_ROUND = OVER_HTTP ? 200 : 1_000;
const ROUNDS = OVER_HTTP ? 3 : 5;
const CONCURRENCY = 8;

const name = `shipshape_bench_guard_${randomBytes(4).toString("hex")}`;
const url = new URL(SERVER_URL);
url.pathname = `/${name}`;
await admin(`CREATE DATABASE "${name}"`);
// The app's modules read these when first used: point them at the scratch database, quietly.
process.env.DATABASE_URL = url.toString();
process.env.DATABASE_POOL_MAX = "10";
process.env.LOG_LEVEL = "warn";
process.env.APP_URL = "http://127.0.0.1:3000";
// The server of the HTTP variant must accept the cookies minted here: one secret for both.
process.env.AUTH_SECRET = randomBytes(32).toString("base64");
delete process.env.REDIS_URL;
delete process.env.UPSTASH_REDIS_REST_URL;

const { applyMigrations } = await import("../tools/db/apply-migrations");
const { encode } = await import("next-auth/jwt");
const { currentUserFromRequest, readAuthConfig, sessionCookieName, startSession } = await import(
  "../lib/auth"
);
const { disconnectDb, getDb } = await import("../lib/db");
const { getProject } = await import("../lib/orgs");
const { GET: guardedRoute } = await import("../app/api/orgs/[org]/projects/[projectId]/route");
const { startNextServer } = await import("./support/next-server");
let server: Awaited<ReturnType<typeof startNextServer>> | undefined;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}

try {
  await applyMigrations({ databaseUrl: url.toString() });
  const db = getDb();
  const org = await db.organization.create({ data: { slug: "bench-org", name: "Bench" } });
  const config = readAuthConfig(process.env);
  const callers: { userId: string; cookie: string }[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const user = await db.user.create({
      data: { email: `member-${i}@example.com`, emailVerifiedAt: new Date() },
    });
    await db.membership.create({ data: { orgId: org.id, userId: user.id, role: "MEMBER" } });
    const token = await encode({
      token: await startSession(db, user.id),
      secret: config.authSecret,
      maxAge: config.sessionIdleSeconds,
    });
    callers.push({ userId: user.id, cookie: `${sessionCookieName()}=${token}` });
  }
  const project = await db.project.create({
    data: { orgId: org.id, name: "Benchmark", description: "One row", createdById: callers[0]?.userId },
  });

  const path = `/api/orgs/${org.slug}/projects/${project.id}`;
  const request = (call: number) =>
    new Request(`http://127.0.0.1:3000${path}`, {
      headers: { cookie: callers[call % MEMBERS]?.cookie as string, "x-request-id": `bench-${call}` },
    });
  const params = { params: Promise.resolve({ org: org.slug, projectId: project.id }) };

  // The same query and the same JSON body, without the guard: what a route that trusts its caller costs.
  const bare = async (req: Request, call: number): Promise<Response> => {
    void req.headers.get("cookie");
    const scope = {
      orgId: org.id,
      userId: callers[call % MEMBERS]?.userId as string,
      role: "MEMBER" as const,
      authAt: Date.now(),
    };
    return Response.json({ project: await getProject(scope, project.id) });
  };
  // Where the guard's time goes: the session alone (cookie decrypted, session checked, user row read).
  const sessionOnly = async (req: Request, call: number): Promise<Response> => {
    if (!(await currentUserFromRequest(req))) throw new Error("no session");
    return bare(req, call);
  };
  const guarded = (req: Request) => guardedRoute(req, params);
  type Case = (req: Request, call: number) => Promise<Response>;
  let cases: Record<string, Case> = {
    "bare handler (same query)": bare,
    "session lookup + handler": sessionOnly,
    "route() guard + handler": guarded,
  };
  let baseCase = "bare handler (same query)";
  if (OVER_HTTP) {
    server = await startNextServer(HTTP_PORT, {
      DATABASE_URL: url.toString(),
      DATABASE_POOL_MAX: "10",
      REDIS_URL,
      AUTH_SECRET: process.env.AUTH_SECRET as string,
    });
    const base = server.url;
    const overHttp: Case = (req) => fetch(`${base}${new URL(req.url).pathname}`, { headers: req.headers });
    baseCase = "GET /api/health over HTTP";
    cases = {
      [baseCase]: () => fetch(`${base}/api/health`),
      "GET project over HTTP (proxy.ts, route() guard, Redis limit, query)": overHttp,
    };
  }

  let calls = 0;
  /** One round: CALLS_PER_ROUND calls over `workers` loops. Per-call µs, and calls per second. */
  async function round(run: (req: Request, call: number) => Promise<Response>, workers: number) {
    const durations: number[] = [];
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = 0; i < CALLS_PER_ROUND / workers; i++) {
          const call = calls++;
          const req = request(call);
          const t0 = process.hrtime.bigint();
          const response = await run(req, call);
          await response.arrayBuffer();
          durations.push(Number(process.hrtime.bigint() - t0) / 1_000);
          if (response.status !== 200) throw new Error(`call ${call} answered ${response.status}`);
        }
      }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { durations, perSecond: CALLS_PER_ROUND / seconds };
  }

  const rows = [];
  for (const workers of [1, CONCURRENCY]) {
    const samples = new Map(
      Object.keys(cases).map((key) => [key, { durations: [] as number[], rates: [] as number[] }]),
    );
    for (const run of Object.values(cases)) await round(run, workers); // warm-up
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate, so both cases see the same machine conditions.
      for (const [key, run] of Object.entries(cases)) {
        const result = await round(run, workers);
        samples.get(key)?.durations.push(...result.durations);
        samples.get(key)?.rates.push(result.perSecond);
      }
    }
    const baseRate = percentile(samples.get(baseCase)?.rates ?? [], 50);
    for (const [key, sample] of samples) {
      const rate = percentile(sample.rates, 50);
      rows.push({
        case: key,
        "in flight": workers,
        "calls/s": rate.toFixed(0),
        "p50 µs": percentile(sample.durations, 50).toFixed(0),
        "p99 µs": percentile(sample.durations, 99).toFixed(0),
        [`throughput vs ${OVER_HTTP ? "health" : "bare"}`]: (rate / baseRate).toFixed(2),
      });
    }
  }
  console.table(rows);
  console.log(
    `${ROUNDS} rounds of ${CALLS_PER_ROUND} calls per case and concurrency, after a warm-up round; calls/s is the median round.`,
  );
} finally {
  await server?.stop();
  await disconnectDb();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
