// What an audit event costs to append: recordAuditEvent on one chain (advisory lock, head read, hash,
// insert, in one transaction) against a plain single-row INSERT into a scratch table, measured in the
// same run on the same server. One client appending in a loop, then 10 at once: appends to one chain
// are serialized by its lock, plain inserts are not.
// Run: npx tsx --conditions=react-server bench/audit-append.ts
// It creates and drops its own database on the server of BENCH_DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres). Prints a table; asserts nothing.
import { randomBytes, randomUUID } from "node:crypto";
import pg from "pg";
import { recordAuditEvent } from "../lib/audit";
import { createPrismaClient } from "../lib/db";
import { applyMigrations } from "../tools/db/apply-migrations";

const SERVER_URL = process.env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const EVENTS_PER_ROUND = 400;
const ROUNDS = 5;
const CONCURRENCY = 10;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Runs `write` EVENTS_PER_ROUND times over `workers` parallel loops; returns writes per second. */
async function throughput(workers: number, write: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = 0; i < EVENTS_PER_ROUND / workers; i++) await write();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return EVENTS_PER_ROUND / seconds;
}

const name = `shipshape_bench_audit_${randomBytes(4).toString("hex")}`;
const url = new URL(SERVER_URL);
url.pathname = `/${name}`;
await admin(`CREATE DATABASE "${name}"`);
const db = createPrismaClient({ DATABASE_URL: url.toString(), DATABASE_POOL_MAX: CONCURRENCY });
try {
  await applyMigrations({ databaseUrl: url.toString() });
  await db.$executeRawUnsafe(
    "CREATE TABLE bench_plain (id uuid PRIMARY KEY, at timestamptz NOT NULL, payload jsonb NOT NULL)",
  );

  const orgId = randomUUID();
  const actor = { type: "USER", id: randomUUID() } as const;
  const metadata = { role: { from: "MEMBER", to: "ADMIN" }, membershipId: randomUUID() };
  const payload = JSON.stringify(metadata);
  const audit = () =>
    recordAuditEvent(
      { action: "membership.role_changed", actor, orgId, ip: "203.0.113.7", userAgent: "bench", metadata },
      db,
    );
  const plain = () =>
    db.$executeRaw`INSERT INTO bench_plain (id, at, payload) VALUES (${randomUUID()}::uuid, now(), ${payload}::jsonb)`;

  const rows = [];
  for (const workers of [1, CONCURRENCY]) {
    // Warm-up, then alternate so both see the same machine conditions.
    await throughput(workers, plain);
    await throughput(workers, audit);
    const plainRuns: number[] = [];
    const auditRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plainRuns.push(await throughput(workers, plain));
      auditRuns.push(await throughput(workers, audit));
    }
    const base = median(plainRuns);
    const measured = median(auditRuns);
    rows.push({
      clients: workers,
      "plain INSERT (rows/s)": Math.round(base),
      "recordAuditEvent, one chain (events/s)": Math.round(measured),
      "audit / plain": (measured / base).toFixed(2),
    });
  }
  console.table(rows);
  console.log(`Median of ${ROUNDS} rounds of ${EVENTS_PER_ROUND} writes each, after one warm-up round.`);
} finally {
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
