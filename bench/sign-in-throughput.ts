// Password sign-in throughput at 20 concurrent clients, and what it does to everyone else: the p50/p99
// of the /api/health route handler measured in the same process, first on an idle process (the
// baseline), then while the sign-ins hammer. argon2id runs on libuv's thread pool
// (@node-rs/argon2), so health checks should barely notice; a hash on the event loop would stall
// every request for ~20 ms per sign-in.
//
// In process, no HTTP: signInWithPassword (rate limits, the argon2id verify, the lockout bookkeeping,
// the audit event) and the health route's handler, called as Next.js would call them. Needs
// PostgreSQL (TEST_DATABASE_URL or DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres):
// it creates and drops a scratch database. Rate limits use the in-memory store.
// Run: npx tsx bench/sign-in-throughput.ts
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

if (!process.execArgv.some((arg) => arg.includes("react-server"))) {
  const args = [...process.execArgv, "--conditions=react-server", ...process.argv.slice(1)];
  process.exit(spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1);
}

const CONCURRENT_CLIENTS = 20;
const SIGN_INS = 400;
// The per-account limit allows 10 tries per 15 minutes: spread the sign-ins over enough accounts.
const ACCOUNTS = 200;
const HEALTH_PROBES_IDLE = 2_000;
const PASSWORD = "bench correct horse battery staple";

const serverUrl =
  process.env.TEST_DATABASE_URL ||
  process.env.DATABASE_URL ||
  "postgresql://postgres@127.0.0.1:5432/postgres";
const databaseName = `shipshape_bench_signin_${randomBytes(3).toString("hex")}`;
const adminUrl = new URL(serverUrl);
const benchUrl = new URL(serverUrl);
benchUrl.pathname = `/${databaseName}`;

process.env.DATABASE_URL = benchUrl.toString();
process.env.LOG_LEVEL = "silent";
delete process.env.REDIS_URL;
delete process.env.UPSTASH_REDIS_REST_URL;

const pg = (await import("pg")).default;
const admin = new pg.Client({ connectionString: adminUrl.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE "${databaseName}"`);

try {
  const { applyMigrations } = await import("../tools/db/apply-migrations");
  await applyMigrations({ databaseUrl: benchUrl.toString() });
  const { getDb, disconnectDb } = await import("../lib/db");
  const { hashPassword, signInWithPassword } = await import("../lib/auth");
  const { GET: health } = await import("../app/api/health/route");

  const passwordHash = await hashPassword(PASSWORD);
  const emails = Array.from({ length: ACCOUNTS }, (_, i) => `bench-${i}@example.com`);
  await getDb().user.createMany({
    data: emails.map((email) => ({ email, passwordHash, emailVerifiedAt: new Date() })),
  });

  const probeHealth = async (): Promise<number> => {
    const started = process.hrtime.bigint();
    const response = await health(new Request("http://localhost/api/health"));
    if (response.status !== 200) throw new Error(`health answered ${response.status}`);
    return Number(process.hrtime.bigint() - started) / 1e6;
  };

  // Warm-up: JIT, the pool's connections, the first hash.
  for (let i = 0; i < 200; i++) await probeHealth();
  await signInWithPassword({ email: emails[0] as string, password: PASSWORD, ip: "198.51.100.1" });

  const idle: number[] = [];
  for (let i = 0; i < HEALTH_PROBES_IDLE; i++) idle.push(await probeHealth());

  let next = 0;
  let succeeded = 0;
  // Each attempt from its own address and spread over ACCOUNTS accounts, so neither the per-IP nor
  // the per-account limit is what this measures.
  const client = async () => {
    while (next < SIGN_INS) {
      const attempt = next++;
      const outcome = await signInWithPassword({
        email: emails[attempt % ACCOUNTS] as string,
        password: PASSWORD,
        ip: `10.77.${(attempt >> 8) & 255}.${attempt & 255}`,
      });
      if (!outcome.ok) throw new Error(`sign-in ${attempt} failed: ${outcome.code}`);
      succeeded++;
    }
  };
  const loaded: number[] = [];
  let hammering = true;
  const prober = (async () => {
    while (hammering) {
      loaded.push(await probeHealth());
      // One probe every ~2 ms, like a steady trickle of other traffic.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENT_CLIENTS }, client));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  hammering = false;
  await prober;

  const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
  };
  const row = (label: string, values: number[]) => ({
    "health probes": label,
    samples: values.length,
    "p50 ms": percentile(values, 50).toFixed(3),
    "p99 ms": percentile(values, 99).toFixed(3),
  });
  console.log(
    `${succeeded} password sign-ins by ${CONCURRENT_CLIENTS} concurrent clients in ${seconds.toFixed(2)} s: ` +
      `${(succeeded / seconds).toFixed(1)} sign-ins/s (argon2id m=19456 KiB, t=2, p=1; UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}).`,
  );
  console.table([row("idle process (baseline)", idle), row("during the sign-ins", loaded)]);
  console.log(
    `p50 ratio loaded/idle: ${(percentile(loaded, 50) / percentile(idle, 50)).toFixed(1)}, ` +
      `p99 ratio: ${(percentile(loaded, 99) / percentile(idle, 99)).toFixed(1)}.`,
  );
  await disconnectDb();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
}
