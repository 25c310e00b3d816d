// The platform's events spread over PLATFORM_CHAIN_SHARDS chains (decision 0036): concurrent appends
// from many connections and from two processes, inside transactions (under the chain's lock) and on
// their own (the lock-free insert), never fork a chain, and verification finds a tampered, deleted or
// reordered event in any shard, and in the single platform chain recorded before the shards.
// Works in a database of its own: other test files in this worker record on the same shards, and
// this one tampers with them.
import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  type AuditEventInput,
  auditChainOf,
  auditEventHash,
  GENESIS_HASH,
  PLATFORM_CHAIN_SHARDS,
  recordAuditEvent,
  verifyAuditChains,
} from "@/lib/audit";
import { AUDIT_LOCK_NAMESPACE } from "@/lib/audit/chain";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import { applyMigrations } from "@/tools/db/apply-migrations";
import { createScratchDatabase, type ScratchDatabase } from "../support/db";

const embedded = inject("testDatabase").kind === "embedded";
let scratch: ScratchDatabase;
let db: PrismaClient;

beforeAll(async () => {
  scratch = await createScratchDatabase();
  await applyMigrations({ databaseUrl: scratch.url });
  db = createPrismaClient({ DATABASE_URL: scratch.url, DATABASE_POOL_MAX: 20 });
}, 60_000);

afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
});

function signIn(userId: string, metadata: Record<string, unknown> = {}): AuditEventInput {
  return { action: "auth.sign_in.succeeded", actor: { type: "USER", id: userId }, metadata };
}

/** Appends inside a transaction of the caller's, as a change and its event are written together. */
function inTransaction(input: AuditEventInput) {
  return db.$transaction((tx) => recordAuditEvent(input, tx), { maxWait: 20_000, timeout: 30_000 });
}

async function seqsOf(chain: string): Promise<number[]> {
  const rows = await db.auditEvent.findMany({
    where: { chain },
    orderBy: { seq: "asc" },
    select: { seq: true },
  });
  return rows.map((row) => Number(row.seq));
}

/** The advisory lock key (one bigint) of the test's gate. */
const GATE = 4_242_001;

/** Which advisory locks other sessions wait for: the test's gate, or an audit chain's. */
async function waitingAdvisoryLocks(client: pg.Client): Promise<("gate" | "chain")[]> {
  const { rows } = await client.query<{ classid: number; objid: number; objsubid: number }>(
    "SELECT classid::int8::int AS classid, objid::int8 AS objid, objsubid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
  );
  return rows.flatMap((row) => {
    if (row.objsubid === 1 && Number(row.objid) === GATE) return ["gate" as const];
    if (row.objsubid === 2 && Number(row.classid) === AUDIT_LOCK_NAMESPACE) return ["chain" as const];
    return [];
  });
}

/** Polls `condition` until it holds (the test's own timeout bounds it). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** n distinct user ids whose events all go to the same shard. */
function usersOnOneShard(n: number): string[] {
  const target = auditChainOf(null, randomUUID());
  const users: string[] = [];
  while (users.length < n) {
    const id = randomUUID();
    if (auditChainOf(null, id) === target) users.push(id);
  }
  return users;
}

/** As an attacker with superuser access would: triggers off for the transaction. */
async function bypassingTriggers(sql: string, ...params: unknown[]): Promise<void> {
  await db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
    await tx.$executeRawUnsafe(sql, ...params);
  });
}

describe("platform shards", () => {
  it("puts one user's platform events on one shard, picked by a stable hash of the user id", async () => {
    const userId = randomUUID();
    const expected = `platform:${createHash("sha256").update(userId).digest().readUInt32BE(0) % PLATFORM_CHAIN_SHARDS}`;
    // As the actor, and as the user an event of nobody identified was about (any case of the id).
    const asActor = await recordAuditEvent(signIn(userId), db);
    const asTarget = await recordAuditEvent(
      {
        action: "auth.sign_in.failed",
        actor: { type: "ANONYMOUS" },
        target: { type: "user", id: userId.toUpperCase() },
        metadata: { reason: "wrong_password" },
      },
      db,
    );
    expect([asActor.chain, asTarget.chain]).toEqual([expected, expected]);
    expect(asTarget.seq).toBe(asActor.seq + 1);
  });

  it("spreads events about no user (a flood of failed sign-ins) over the shards", async () => {
    const recorded = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        recordAuditEvent(
          {
            action: "auth.sign_in.failed",
            actor: { type: "ANONYMOUS" },
            ip: `198.51.100.${i + 1}`,
            metadata: { reason: "unknown_email" },
          },
          db,
        ),
      ),
    );
    for (const event of recorded) {
      expect(event.chain).toMatch(/^platform:\d+$/);
      expect(Number(event.chain.slice("platform:".length))).toBeLessThan(PLATFORM_CHAIN_SHARDS);
    }
    // 64 random picks among 64 shards: all on fewer than 4 shards has a probability below 1e-70.
    expect(new Set(recorded.map((event) => event.chain)).size).toBeGreaterThanOrEqual(4);
    expect(await verifyAuditChains({ db })).toMatchObject({ ok: true });
  });

  it("never forks a shard: 80 concurrent appends from 20 connections, in transactions and on their own", async () => {
    // Mixed on purpose: a lock-free insert landing between a locked append's head read and its insert
    // would make that append fail (its transaction, the user's change with it).
    const users = usersOnOneShard(8);
    const chain = auditChainOf(null, users[0] as string);
    const before = (await seqsOf(chain)).length;
    const recorded = await Promise.all(
      Array.from({ length: 80 }, (_, i) => {
        const input = signIn(users[i % users.length] as string, { i });
        return i % 2 === 0 ? recordAuditEvent(input, db) : inTransaction(input);
      }),
    );
    expect(new Set(recorded.map((event) => event.chain))).toEqual(new Set([chain]));
    expect(await seqsOf(chain)).toEqual(oneToN(before + 80));
    expect(await verifyAuditChains({ chain, db })).toEqual({ ok: true, checked: before + 80, chains: 1 });
  });

  it.skipIf(embedded)(
    "never lets a lock-free insert overtake an append that holds the chain's lock and has read its head",
    async () => {
      // A trigger holds the locked append's INSERT (after its head read) until the test lets it go.
      await db.$executeRawUnsafe(`
        CREATE OR REPLACE FUNCTION test_hold_audit_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_advisory_lock(${GATE}); PERFORM pg_advisory_unlock(${GATE}); RETURN NEW; END $$`);
      await db.$executeRawUnsafe(`
        CREATE OR REPLACE TRIGGER test_hold_audit_insert BEFORE INSERT ON "AuditEvent"
        FOR EACH ROW WHEN (NEW.metadata ? 'holdAtInsert') EXECUTE FUNCTION test_hold_audit_insert()`);
      const gate = new pg.Client({ connectionString: scratch.url });
      await gate.connect();
      try {
        await gate.query(`SELECT pg_advisory_lock(${GATE})`);
        const userId = randomUUID();
        const chain = auditChainOf(null, userId);
        const before = (await seqsOf(chain)).length;

        const locked = inTransaction(signIn(userId, { holdAtInsert: true }));
        await until(async () => (await waitingAdvisoryLocks(gate)).includes(`gate`));
        let lockFreeSettled = false;
        const lockFree = recordAuditEvent(signIn(userId), db).finally(() => {
          lockFreeSettled = true;
        });
        // Either it went in ahead (the bug), or it gave up its tries and queues on the chain's lock.
        await until(async () => lockFreeSettled || (await waitingAdvisoryLocks(gate)).includes("chain"));
        await gate.query(`SELECT pg_advisory_unlock(${GATE})`);

        const [first, second] = await Promise.all([locked, lockFree]);
        expect([first.seq, second.seq]).toEqual([before + 1, before + 2]);
        expect(await verifyAuditChains({ chain, db })).toMatchObject({ ok: true });
      } finally {
        await gate.end();
        await db.$executeRawUnsafe(`DROP TRIGGER test_hold_audit_insert ON "AuditEvent"`);
      }
    },
    60_000,
  );

  it("never forks a shard when two processes append to the same shards and to different ones at once", async () => {
    const shared = usersOnOneShard(6);
    const othersHere = Array.from({ length: 6 }, () => randomUUID());
    const othersThere = Array.from({ length: 6 }, () => randomUUID());
    const chains = new Set([...shared, ...othersHere, ...othersThere].map((id) => auditChainOf(null, id)));
    const before = new Map(
      await Promise.all([...chains].map(async (c) => [c, (await seqsOf(c)).length] as const)),
    );

    const worker = promisify(execFile)(
      process.execPath,
      ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "tests/support/audit-append-worker.ts"],
      {
        env: {
          ...process.env,
          DATABASE_URL: scratch.url,
          SUBJECTS: [...shared, ...othersThere].join(","),
          ROUNDS: "10",
        },
      },
    );
    const here = await Promise.all(
      [...shared, ...othersHere].flatMap((userId) =>
        Array.from({ length: 10 }, (_, i) => {
          const input = signIn(userId, { process: "test", i });
          return i % 2 === 0 ? inTransaction(input) : recordAuditEvent(input, db);
        }),
      ),
    );
    const there = JSON.parse((await worker).stdout) as { chain: string; seq: number }[];
    expect(there).toHaveLength(120);
    expect(here).toHaveLength(120);

    // Every (chain, seq) once, and each chain's events exactly 1..n with no gap.
    const appended = new Map<string, number>();
    for (const { chain } of [...here, ...there]) appended.set(chain, (appended.get(chain) ?? 0) + 1);
    for (const chain of chains) {
      expect(await seqsOf(chain)).toEqual(oneToN((before.get(chain) ?? 0) + (appended.get(chain) ?? 0)));
      expect(await verifyAuditChains({ chain, db })).toMatchObject({ ok: true });
    }
  }, 120_000);
});

describe("tamper detection on the shards", () => {
  /** Three events on each of three different shards: each shard's chain and its events' { id, seq }. */
  async function threeShardsOfThree() {
    const shards = new Map<string, { id: string; seq: number }[]>();
    while (shards.size < 3) {
      const userId = randomUUID();
      const chain = auditChainOf(null, userId);
      if (shards.has(chain)) continue;
      const events = [];
      for (let i = 0; i < 3; i++) events.push(await recordAuditEvent(signIn(userId, { i }), db));
      shards.set(chain, events);
    }
    return [...shards];
  }

  it("reports an edited, a deleted and a reordered event, each in its own shard, in one verification", async () => {
    const [edited, deleted, reordered] = await threeShardsOfThree();
    if (!edited || !deleted || !reordered) throw new Error("three shards expected");
    const [, editedEvent] = edited[1];
    const [, deletedEvent, afterDeleted] = deleted[1];
    const [, second, third] = reordered[1];
    if (!editedEvent || !deletedEvent || !afterDeleted || !second || !third) throw new Error("3 events each");

    await bypassingTriggers(
      `UPDATE "AuditEvent" SET metadata = '{"i": 99}' WHERE id = $1::uuid`,
      editedEvent.id,
    );
    await bypassingTriggers(`DELETE FROM "AuditEvent" WHERE id = $1::uuid`, deletedEvent.id);
    // The 2nd and 3rd events swap places (through a free seq: (chain, seq) is unique); each keeps its hash.
    await bypassingTriggers(`UPDATE "AuditEvent" SET seq = -1 WHERE id = $1::uuid`, second.id);
    await bypassingTriggers(`UPDATE "AuditEvent" SET seq = $2 WHERE id = $1::uuid`, third.id, second.seq);
    await bypassingTriggers(`UPDATE "AuditEvent" SET seq = $2 WHERE id = $1::uuid`, second.id, third.seq);

    const result = await verifyAuditChains({ db });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.breaks).toEqual(
      expect.arrayContaining([
        {
          chain: edited[0],
          seq: editedEvent.seq,
          eventId: editedEvent.id,
          reason: expect.stringMatching(/^hash mismatch/),
        },
        {
          chain: deleted[0],
          seq: afterDeleted.seq,
          eventId: afterDeleted.id,
          reason: `seq ${afterDeleted.seq} follows seq ${deletedEvent.seq - 1}: events ${deletedEvent.seq}..${deletedEvent.seq} are missing`,
        },
        {
          chain: reordered[0],
          seq: second.seq,
          eventId: third.id,
          reason: expect.stringMatching(/^prevHash does not match/),
        },
      ]),
    );
  });

  it("still verifies the single platform chain of the events recorded before the shards, and finds a change in it", async () => {
    // Recorded as the app did before decision 0036: chain "platform", hashed with the chain's name.
    let prevHash = GENESIS_HASH;
    const ids: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const row = {
        id: randomUUID(),
        chain: "platform",
        seq,
        at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
        actorType: "ANONYMOUS" as const,
        actorId: null,
        actorIp: "203.0.113.9",
        actorUserAgent: null,
        orgId: null,
        action: "auth.sign_in.failed",
        targetType: null,
        targetId: null,
        metadata: { seq },
        requestId: null,
        prevHash,
        hashVersion: 2,
      };
      const hash = auditEventHash(row);
      await db.$executeRaw`
        INSERT INTO "AuditEvent" (id, chain, seq, at, "actorType", "actorIp", action, metadata, "prevHash", hash, "hashVersion")
        VALUES (${row.id}::uuid, 'platform', ${seq}::bigint, ${row.at.toISOString()}::timestamptz, 'ANONYMOUS',
          ${row.actorIp}, ${row.action}, ${JSON.stringify(row.metadata)}::jsonb, ${prevHash}, ${hash}, 2)`;
      prevHash = hash;
      ids.push(row.id);
    }
    expect(await verifyAuditChains({ chain: "platform", db })).toEqual({ ok: true, checked: 3, chains: 1 });

    await bypassingTriggers(`UPDATE "AuditEvent" SET "actorIp" = '192.0.2.1' WHERE id = $1::uuid`, ids[2]);
    expect(await verifyAuditChains({ chain: "platform", db })).toMatchObject({
      ok: false,
      seq: 3,
      eventId: ids[2],
    });
  });
});
