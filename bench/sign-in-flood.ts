// Does a flood of failed sign-ins slow real users' sign-ins? 50 concurrent password sign-ins for 50
// different accounts, timed one by one, on a quiet process and then while FLOOD_CLIENTS loops of
// failed sign-ins (unknown addresses, each attempt from its own IP, as a credential-stuffing botnet
// does) run meanwhile; alternated ROUNDS times, in the same run. Reports the p50/p99 of one sign-in
// in each condition and their ratio (issue 18's goal: p99 with the flood ≤ 2× without), the flood's
// rate, and how many audit chains the events went to.
//
// Every sign-in and failed sign-in is an audit event of no organization. Before decision 0036 they
// all appended to one "platform" chain under one lock, so the flood queued the users' events behind
// its own; now they spread over the platform shards. What is left is the CPU: an unknown address still
// costs an argon2id verify (the answer must not tell registered addresses apart), so the flood
// competes with the users for the hashing threads.
//
// In process, no HTTP: signInWithPassword (rate limits in memory, the argon2id verify, the audit
// event). Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres):
// it creates and drops a scratch database.
// Run: npx tsx bench/sign-in-flood.ts   (FLOOD_CLIENTS=50 to change the flood's concurrency)
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

if (!process.execArgv.some((arg) => arg.includes("react-server"))) {
  const args = [...process.execArgv, "--conditions=react-server", ...process.argv.slice(1)];
  process.exit(spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1);
}

const ACCOUNTS = 50;
const FLOOD_CLIENTS = Number(process.env.FLOOD_CLIENTS || 25);
// Each account signs in once a round: 2 × ROUNDS + 1 sign-ins stay under the per-account limit.
const ROUNDS = 3;
const PASSWORD = "bench correct horse battery staple";

const serverUrl = process.env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const databaseName = `shipshape_bench_flood_${randomBytes(3).toString("hex")}`;
const adminUrl = new URL(serverUrl);
const benchUrl = new URL(serverUrl);
benchUrl.pathname = `/${databaseName}`;

process.env.DATABASE_URL = benchUrl.toString();
// Room for the users, the flood and the background work, as a production pool would be sized.
process.env.DATABASE_POOL_MAX = "20";
process.env.LOG_LEVEL = "silent";
delete process.env.REDIS_URL;
delete process.env.UPSTASH_REDIS_REST_URL;

const pg = (await import("pg")).default;
const admin = new pg.Client({ connectionString: adminUrl.toString() });
await admin.connect();
await admin.query(`CREATE DATABASE "${databaseName}"`);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

try {
  const { applyMigrations } = await import("../tools/db/apply-migrations");
  await applyMigrations({ databaseUrl: benchUrl.toString() });
  const { getDb, disconnectDb } = await import("../lib/db");
  const { hashPassword, signInWithPassword } = await import("../lib/auth");

  const passwordHash = await hashPassword(PASSWORD);
  const emails = Array.from({ length: ACCOUNTS + 1 }, (_, i) => `flood-bench-${i}@example.com`);
  await getDb().user.createMany({
    data: emails.map((email) => ({ email, passwordHash, emailVerifiedAt: new Date() })),
  });
  const warmUpEmail = emails.pop() as string;

  let addresses = 0;
  const nextAddress = (prefix: number) => {
    const n = addresses++;
    return `10.${prefix}.${(n >> 8) & 255}.${n & 255}`;
  };

  /** The 50 sign-ins at once; each one's time in ms. */
  const fiftySignIns = () =>
    Promise.all(
      emails.map(async (email) => {
        const started = process.hrtime.bigint();
        const outcome = await signInWithPassword({ email, password: PASSWORD, ip: nextAddress(77) });
        if (!outcome.ok) throw new Error(`sign-in of ${email} failed: ${outcome.code}`);
        await outcome.background;
        return Number(process.hrtime.bigint() - started) / 1e6;
      }),
    );

  let flooding = false;
  let floodAttempts = 0;
  const floodClient = async () => {
    while (flooding) {
      const outcome = await signInWithPassword({
        email: `nobody-${randomBytes(6).toString("hex")}@example.net`,
        password: "hunter2",
        ip: nextAddress(99),
      });
      if (outcome.ok) throw new Error("a flood attempt signed in");
      await outcome.background;
      floodAttempts++;
    }
  };

  // Warm-up: JIT, the pool's connections, the first hashes.
  for (let i = 0; i < 3; i++)
    await signInWithPassword({ email: warmUpEmail, password: PASSWORD, ip: "10.1.0.1" });

  const quiet: number[] = [];
  const flooded: number[] = [];
  let floodSeconds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    quiet.push(...(await fiftySignIns()));

    flooding = true;
    const flood = Array.from({ length: FLOOD_CLIENTS }, floodClient);
    // Let the flood fill the hashing threads and the chains' queues before the users arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const attemptsBefore = floodAttempts;
    const started = process.hrtime.bigint();
    flooded.push(...(await fiftySignIns()));
    floodSeconds += Number(process.hrtime.bigint() - started) / 1e9;
    const attemptsDuring = floodAttempts - attemptsBefore;
    flooding = false;
    await Promise.all(flood);
    floodAttempts = attemptsBefore + attemptsDuring;
  }

  const chains = await getDb().$queryRaw<{ chain: string; events: bigint }[]>`
    SELECT chain, count(*) AS events FROM "AuditEvent" GROUP BY chain ORDER BY chain`;
  const row = (label: string, values: number[]) => ({
    condition: label,
    "sign-ins": values.length,
    "p50 ms": Math.round(percentile(values, 50)),
    "p99 ms": Math.round(percentile(values, 99)),
  });
  console.log(
    `${ACCOUNTS} concurrent sign-ins for ${ACCOUNTS} accounts, ${ROUNDS} rounds each way; flood: ` +
      `${FLOOD_CLIENTS} concurrent failed sign-ins from other addresses, ` +
      `${(floodAttempts / floodSeconds).toFixed(0)} attempts/s while the users signed in.`,
  );
  console.table([row("quiet", quiet), row("during the flood", flooded)]);
  console.log(
    `p99 with the flood / without: ${(percentile(flooded, 99) / percentile(quiet, 99)).toFixed(2)}; ` +
      `p50: ${(percentile(flooded, 50) / percentile(quiet, 50)).toFixed(2)}. Audit events went to ` +
      `${chains.length} chain(s): ${chains.map((c) => `${c.chain} ${c.events}`).join(", ")}.`,
  );
  await disconnectDb();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
}
