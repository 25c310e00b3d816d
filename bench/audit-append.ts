// What an audit event costs to append, and what sharding the platform chain buys (decision 0036):
// recordAuditEvent (advisory lock, head read, hash, insert, in one transaction) on one chain, then the
// same events of no organization spread over the platform's shards, against a plain single-row
// INSERT into a scratch table, measured in the same run on the same server. One client appending in
// a loop, then CONCURRENCY at once: appends to one chain are serialized by its lock ("before": every
// sign-in of the deployment went to the one platform chain), appends to different chains are not.
// Run: npx tsx --conditions=react-server bench/audit-append.ts
// It creates and drops its own database on the server of BENCH_DATABASE_URL
// (default postgresql://postgres@127.0.0.1:5432/postgres). Prints a table; asserts nothing.
import { randomBytes, randomUUID } from "node:crypto";
import { recordAuditEvent } from "../lib/audit";
import { createPrismaClient } from "../lib/db";
import { applyMigrations } from "../tools/db/apply-migrations";
import { admin, SERVER_URL } from "./support/server-database";

// As in production: outside it, every append first checks its metadata for user ids (one more query).
(process.env as Record<string, string>).NODE_ENV = "production";
const EVENTS_PER_ROUND = 400;
const ROUNDS = 5;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY || 10);

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
  const oneChainEvent = {
    action: "membership.role_changed",
    actor,
    orgId,
    ip: "203.0.113.7",
    userAgent: "bench",
    metadata,
  } as const;
  // Before: every event of no organization went to the one platform chain, each in a transaction
  // holding the chain's lock: the path an append inside a caller's transaction still takes.
  const oneChain = () => db.$transaction((tx) => recordAuditEvent(oneChainEvent, tx));
  // After: sign-ins of different users, each on the platform shard its user id picks, each written on
  // its own (the lock-free insert first).
  const userIds = Array.from({ length: 200 }, () => randomUUID());
  let next = 0;
  const acrossShards = () =>
    recordAuditEvent(
      {
        action: "auth.sign_in.succeeded",
        actor: { type: "USER", id: userIds[next++ % userIds.length] as string },
        ip: "203.0.113.7",
        userAgent: "bench",
        metadata: { method: "password" },
      },
      db,
    );
  const plain = () =>
    db.$executeRaw`INSERT INTO bench_plain (id, at, payload) VALUES (${randomUUID()}::uuid, now(), ${payload}::jsonb)`;

  const rows = [];
  for (const workers of [1, CONCURRENCY]) {
    // Warm-up, then alternate so all three see the same machine conditions.
    await throughput(workers, plain);
    await throughput(workers, oneChain);
    await throughput(workers, acrossShards);
    const plainRuns: number[] = [];
    const oneChainRuns: number[] = [];
    const shardRuns: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      plainRuns.push(await throughput(workers, plain));
      oneChainRuns.push(await throughput(workers, oneChain));
      shardRuns.push(await throughput(workers, acrossShards));
    }
    const base = median(plainRuns);
    const single = median(oneChainRuns);
    const sharded = median(shardRuns);
    rows.push({
      clients: workers,
      "plain INSERT (rows/s)": Math.round(base),
      "before: one chain, locked (events/s)": Math.round(single),
      "after: platform shards (events/s)": Math.round(sharded),
      "before / plain": (single / base).toFixed(2),
      "after / plain": (sharded / base).toFixed(2),
      "after / before": (sharded / single).toFixed(2),
    });
  }
  console.table(rows);
  console.log(`Median of ${ROUNDS} rounds of ${EVENTS_PER_ROUND} writes each, after one warm-up round.`);
} finally {
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}
