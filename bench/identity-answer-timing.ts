// Whether the time to answer tells a registered address from an unknown one: signUp,
// requestPasswordReset (what their server actions await before answering) and signInWithPassword
// with a wrong password (what next-auth's authorize awaits; also from a browser holding another
// account's device cookie) for registered and unknown addresses
// (signUp's answer includes queueing the sign-up as a job in PostgreSQL, the same for both),
// alternating in the same run, with the ratio of the medians. A ratio near 1
// means the answer's timing doesn't reveal accounts; the mail each sends goes out after the answer
// (deliverInBackground) and is not part of it.
//
// In process, no HTTP. Needs PostgreSQL (TEST_DATABASE_URL or DATABASE_URL, default
// postgresql://postgres@127.0.0.1:5432/postgres): it creates and drops a scratch database. Rate
// limits use the in-memory store (a fresh client address for every call); mail goes to a temporary
// dev mailbox. Prints a table; asserts nothing.
// Run: npx tsx bench/identity-answer-timing.ts
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

if (!process.execArgv.some((arg) => arg.includes("react-server"))) {
  const args = [...process.execArgv, "--conditions=react-server", ...process.argv.slice(1)];
  process.exit(spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1);
}

const CALLS_PER_CASE = 100;
const PASSWORD = "bench quiet lantern harbour pebble";

const serverUrl =
  process.env.TEST_DATABASE_URL ||
  process.env.DATABASE_URL ||
  "postgresql://postgres@127.0.0.1:5432/postgres";
const databaseName = `shipshape_bench_identity_${randomBytes(3).toString("hex")}`;
const adminUrl = new URL(serverUrl);
const benchUrl = new URL(serverUrl);
benchUrl.pathname = `/${databaseName}`;

const mailDir = await mkdtemp(path.join(tmpdir(), "shipshape-bench-mail-"));
process.env.DATABASE_URL = benchUrl.toString();
process.env.MAIL_DEV_DIR = mailDir;
process.env.LOG_LEVEL = "silent";
delete process.env.SMTP_URL;
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
  const { stopJobProducer } = await import("../lib/jobs");
  const { deviceSetCookie, hashPassword, requestPasswordReset, signInWithPassword, signUp } = await import(
    "../lib/auth"
  );

  // Registered addresses: one per call, since the reset limit counts 3 requests per address an hour.
  const passwordHash = await hashPassword(PASSWORD);
  const registered = Array.from({ length: CALLS_PER_CASE + 5 }, (_, i) => `known-${i}@example.com`);
  await getDb().user.createMany({
    data: registered.map((email) => ({ email, passwordHash, emailVerifiedAt: new Date() })),
  });

  const otherDevice = deviceSetCookie({ id: crypto.randomUUID(), email: "attacker@example.com" }).split(
    ";",
  )[0];
  let calls = 0;
  const ip = () => {
    calls++;
    return `10.88.${(calls >> 8) & 255}.${calls & 255}`;
  };
  const cases = {
    "signUp, registered address": (i: number) =>
      signUp({ email: registered[i] as string, password: PASSWORD, ip: ip() }),
    "signUp, new address": (i: number) =>
      signUp({ email: `new-${i}@example.com`, password: PASSWORD, ip: ip() }),
    "requestPasswordReset, registered": (i: number) =>
      requestPasswordReset({ email: registered[i] as string, ip: ip() }),
    "requestPasswordReset, unknown": (i: number) =>
      requestPasswordReset({ email: `nobody-${i}@example.com`, ip: ip() }),
    // One wrong password per registered address: counted, far from the lockout.
    "signIn wrong password, registered": (i: number) =>
      signInWithPassword({ email: registered[i] as string, password: "not the password", ip: ip() }),
    "signIn wrong password, unknown": (i: number) =>
      signInWithPassword({ email: `nobody-${i}@example.com`, password: "not the password", ip: ip() }),
    // A browser holding another account's device cookie (an attacker who signed in to an account of
    // their own): the cookie is checked for every address, registered or not.
    "signIn wrong password + device cookie, registered": (i: number) =>
      signInWithPassword({
        email: registered[i] as string,
        password: "not the password",
        ip: ip(),
        cookie: otherDevice,
      }),
    "signIn wrong password + device cookie, unknown": (i: number) =>
      signInWithPassword({
        email: `nobody-${i}@example.com`,
        password: "not the password",
        ip: ip(),
        cookie: otherDevice,
      }),
  };
  const samples = new Map<string, number[]>(Object.keys(cases).map((name) => [name, []]));

  // Warm-up (JIT, pool connections, the first hash) on addresses the measured calls don't use.
  for (const i of [CALLS_PER_CASE, CALLS_PER_CASE + 1]) {
    for (const run of Object.values(cases)) await (await run(i)).background;
  }
  // Every case once per round, in a fresh random order, so each sees the same machine conditions
  // and none always runs after the same neighbour.
  for (let i = 0; i < CALLS_PER_CASE; i++) {
    const order = Object.entries(cases).sort(() => Math.random() - 0.5);
    for (const [name, run] of order) {
      const started = process.hrtime.bigint();
      const { background } = await run(i);
      samples.get(name)?.push(Number(process.hrtime.bigint() - started) / 1e6);
      // Let it finish outside the timed part, so it doesn't compete with the next measured call.
      await background;
    }
  }

  const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
  };
  const median = (name: string) => percentile(samples.get(name) ?? [], 50);
  console.table(
    [...samples].map(([name, values]) => ({
      case: name,
      calls: values.length,
      "p50 ms": percentile(values, 50).toFixed(2),
      "p90 ms": percentile(values, 90).toFixed(2),
    })),
  );
  console.log(
    `p50 ratio registered/new for signUp: ${(median("signUp, registered address") / median("signUp, new address")).toFixed(2)}; ` +
      `registered/unknown for requestPasswordReset: ${(median("requestPasswordReset, registered") / median("requestPasswordReset, unknown")).toFixed(2)}; ` +
      `registered/unknown for a wrong-password sign-in: ${(median("signIn wrong password, registered") / median("signIn wrong password, unknown")).toFixed(2)}, ` +
      `with another account's device cookie: ${(median("signIn wrong password + device cookie, registered") / median("signIn wrong password + device cookie, unknown")).toFixed(2)}.`,
  );
  await disconnectDb();
  await stopJobProducer();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
  await rm(mailDir, { recursive: true, force: true });
}
