import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import {
  AUDIT_HASH_VERSION,
  type AuditChain,
  type AuditEventInput,
  auditEventHash,
  auditPseudonymOf,
  GENESIS_HASH,
  InvalidAuditEventError,
  pruneAuditEvents,
  pseudonymizeAuditUser,
  pseudonymKeyOf,
  readAuditConfig,
  recordAuditEvent,
  recordSecurityEvent,
  redactAuditClientDetails,
  redactAuditFreeText,
  verifyAuditChains,
} from "@/lib/audit";
import { logger } from "@/lib/log";
import { clientIp } from "@/lib/ratelimit";
import { testDb } from "../support/db";
import { createTestUser } from "../support/users";

const embedded = inject("testDatabase").kind === "embedded";
const pseudonymKey = pseudonymKeyOf(readAuditConfig());

/** A fresh organization id and its chain: each test works on chains no other test touches. */
function newOrg() {
  const orgId = randomUUID();
  return { orgId, chain: `org:${orgId}` };
}

function event(orgId: string | null, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    action: "org.settings_changed",
    actor: { type: "USER", id: randomUUID() },
    ip: "203.0.113.7",
    userAgent: "vitest",
    orgId,
    target: orgId ? { type: "org", id: orgId } : null,
    metadata: { requireMfa: { from: false, to: true } },
    ...overrides,
  };
}

async function rowsOf(chain: string) {
  return testDb().auditEvent.findMany({ where: { chain }, orderBy: { seq: "asc" } });
}

/**
 * Runs SQL as an attacker with superuser access would: with triggers switched off for the transaction
 * (session_replication_role = replica), so the append-only trigger does not fire.
 */
async function bypassingTriggers(sql: string, ...params: unknown[]): Promise<void> {
  await testDb().$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
    await tx.$executeRawUnsafe(sql, ...params);
  });
}

const verifyScript = (chain: string) =>
  promisify(execFile)(
    process.execPath,
    [
      "node_modules/tsx/dist/cli.mjs",
      "--conditions=react-server",
      "scripts/audit-verify.ts",
      "--chain",
      chain,
    ],
    { env: process.env },
  );

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

afterEach(() => {
  vi.restoreAllMocks();
});

/**
 * Appends `count` events to `chain` as the app did before hashVersion existed: hashed in the version 1
 * form, and inserted without the column, so the column's default says 1 (as the migration left every
 * older row). Plain INSERTs: the append-only trigger guards UPDATE and DELETE only.
 */
function appendVersion1Events(
  orgId: string,
  count: number,
  overrides: { targetType?: string; targetId?: string; actorId?: string } = {},
) {
  return appendLegacyEvents(orgId, count, 1, overrides);
}

/** As appendVersion1Events, in the form the app wrote before keyed pseudonyms (version 2). */
function appendVersion2Events(
  orgId: string,
  count: number,
  overrides: { targetType?: string; targetId?: string; actorId?: string } = {},
) {
  return appendLegacyEvents(orgId, count, 2, overrides);
}

async function appendLegacyEvents(
  orgId: string,
  count: number,
  hashVersion: 1 | 2,
  overrides: { targetType?: string; targetId?: string; actorId?: string },
) {
  const chain = `org:${orgId}`;
  const head = await testDb().auditEvent.findFirst({ where: { chain }, orderBy: { seq: "desc" } });
  let seq = Number(head?.seq ?? 0n);
  let prevHash = head?.hash ?? GENESIS_HASH;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    seq += 1;
    const row = {
      id: randomUUID(),
      chain,
      seq,
      at: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)),
      actorType: "USER" as const,
      actorId: overrides.actorId ?? randomUUID(),
      actorIp: "203.0.113.7",
      actorUserAgent: "before-versions",
      orgId,
      action: "org.settings_changed",
      targetType: overrides.targetType ?? "org",
      targetId: overrides.targetId ?? orgId,
      metadata: { i },
      requestId: null,
      prevHash,
    };
    const hash = auditEventHash({ ...row, hashVersion });
    // Version 1 rows without the column (its default), as the migration left them.
    await (hashVersion === 1
      ? testDb().$executeRaw`
      INSERT INTO "AuditEvent" (id, chain, seq, at, "actorType", "actorId", "actorIp", "actorUserAgent",
        "orgId", action, "targetType", "targetId", metadata, "requestId", "prevHash", hash)
      VALUES (${row.id}::uuid, ${chain}, ${seq}::bigint, ${row.at.toISOString()}::timestamptz, 'USER',
        ${row.actorId}, ${row.actorIp}, ${row.actorUserAgent}, ${orgId}::uuid, ${row.action},
        ${row.targetType}, ${row.targetId}, ${JSON.stringify(row.metadata)}::jsonb, NULL, ${prevHash}, ${hash})`
      : testDb().$executeRaw`
      INSERT INTO "AuditEvent" (id, chain, seq, at, "actorType", "actorId", "actorIp", "actorUserAgent",
        "orgId", action, "targetType", "targetId", metadata, "requestId", "prevHash", hash, "hashVersion")
      VALUES (${row.id}::uuid, ${chain}, ${seq}::bigint, ${row.at.toISOString()}::timestamptz, 'USER',
        ${row.actorId}, ${row.actorIp}, ${row.actorUserAgent}, ${orgId}::uuid, ${row.action},
        ${row.targetType}, ${row.targetId}, ${JSON.stringify(row.metadata)}::jsonb, NULL, ${prevHash}, ${hash},
        ${hashVersion}::smallint)`);
    prevHash = hash;
    ids.push(row.id);
  }
  return ids;
}

describe("recordAuditEvent and verifyAuditChains", () => {
  it("appends to the organization's chain, each event linked to the one before, and verifies", async () => {
    const { orgId, chain } = newOrg();
    const recorded = [];
    for (let i = 0; i < 3; i++) recorded.push(await recordAuditEvent(event(orgId), testDb()));

    expect(recorded.map((e) => [e.chain, e.seq])).toEqual([
      [chain, 1],
      [chain, 2],
      [chain, 3],
    ]);
    const rows = await rowsOf(chain);
    expect(rows.map((row) => row.prevHash)).toEqual([GENESIS_HASH, rows[0]?.hash, rows[1]?.hash]);
    expect(rows.map((row) => row.hash)).toEqual(recorded.map((e) => e.hash));
    expect(rows[0]).toMatchObject({
      orgId,
      actorType: "USER",
      actorIp: "203.0.113.7",
      targetType: "org",
      hashVersion: AUDIT_HASH_VERSION,
    });
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 3, chains: 1 });
  });

  it("keeps one chain per organization whatever the case of its id", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(event(orgId), testDb());
    expect(await recordAuditEvent(event(orgId.toUpperCase()), testDb())).toMatchObject({ chain, seq: 2 });
  });

  it("puts events of no organization on a platform shard's chain", async () => {
    const recorded = await recordAuditEvent(
      event(null, { action: "admin.user.disabled", target: { type: "user", id: randomUUID() } }),
      testDb(),
    );
    expect(recorded.chain).toMatch(/^platform:\d+$/);
    const row = await testDb().auditEvent.findUniqueOrThrow({ where: { id: recorded.id } });
    expect(row.orgId).toBeNull();
    expect(await verifyAuditChains({ chain: recorded.chain, db: testDb() })).toMatchObject({ ok: true });
  });

  it("keeps organization chains independent: each counts from 1, and a break in one leaves the other valid", async () => {
    const a = newOrg();
    const b = newOrg();
    for (let i = 0; i < 3; i++) {
      await recordAuditEvent(event(a.orgId), testDb());
      await recordAuditEvent(event(b.orgId), testDb());
    }
    expect((await rowsOf(a.chain)).map((row) => Number(row.seq))).toEqual([1, 2, 3]);
    expect((await rowsOf(b.chain)).map((row) => Number(row.seq))).toEqual([1, 2, 3]);

    await bypassingTriggers(
      `UPDATE "AuditEvent" SET action = 'org.deleted' WHERE chain = $1 AND seq = 2`,
      a.chain,
    );
    expect(await verifyAuditChains({ chain: a.chain, db: testDb() })).toMatchObject({ ok: false, seq: 2 });
    expect(await verifyAuditChains({ chain: b.chain, db: testDb() })).toEqual({
      ok: true,
      checked: 3,
      chains: 1,
    });
  });

  it("serializes 50 concurrent appends to one chain: seq 1..50, no fork, and the chain verifies", async () => {
    const { orgId, chain } = newOrg();
    const recorded = await Promise.all(
      Array.from({ length: 50 }, () => recordAuditEvent(event(orgId), testDb())),
    );

    expect(recorded.map((e) => e.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const rows = await rowsOf(chain);
    expect(new Set(rows.map((row) => row.prevHash)).size).toBe(50);
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 50, chains: 1 });
  });

  it("redacts metadata as log lines are redacted, before hashing, and stores Dates as ISO strings", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(
      event(orgId, {
        metadata: {
          password: "hunter2",
          nested: { apiKey: "sk_live_secret", list: [{ token: "t0k3n" }] },
          email: "ada@example.com",
          at: new Date("2026-01-02T03:04:05.006Z"),
        },
      }),
      testDb(),
    );
    const [row] = await rowsOf(chain);
    expect(row?.metadata).toEqual({
      password: "[REDACTED]",
      nested: { apiKey: "[REDACTED]", list: [{ token: "[REDACTED]" }] },
      email: "ada@example.com",
      at: "2026-01-02T03:04:05.006Z",
    });
    expect(JSON.stringify(row?.metadata)).not.toMatch(/hunter2|sk_live_secret|t0k3n/);
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: true, checked: 1 });
  });

  it("does not depend on the session's time zone: an event recorded under Asia/Tokyo verifies", async () => {
    const { orgId, chain } = newOrg();
    const recorded = await testDb().$transaction(async (tx) => {
      await tx.$executeRawUnsafe("SET LOCAL TimeZone = 'Asia/Tokyo'");
      return recordAuditEvent(event(orgId), tx);
    });
    const [stored] = await testDb().$queryRaw<{ at: string }[]>`
      SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM "AuditEvent"
      WHERE id = ${recorded.id}::uuid`;
    expect(stored?.at).toBe(recorded.at.toISOString());
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: true, checked: 1 });
  });

  it("refuses input it cannot store faithfully, naming the field", async () => {
    const input = event(randomUUID());
    await expect(recordAuditEvent({ ...input, action: "org.exploded" as never }, testDb())).rejects.toThrow(
      /action: is not in the catalogue/,
    );
    await expect(recordAuditEvent({ ...input, ip: "203.0.113.7, 10.0.0.1" }, testDb())).rejects.toThrow(
      /ip: must be one IPv4 or IPv6 address/,
    );
    await expect(recordAuditEvent({ ...input, orgId: "acme" }, testDb())).rejects.toThrow(
      InvalidAuditEventError,
    );
    await expect(recordAuditEvent({ ...input, metadata: { count: 1n } }, testDb())).rejects.toThrow(
      /metadata\.count is a bigint/,
    );
    await expect(
      recordAuditEvent({ ...input, metadata: { blob: "x".repeat(20_000) } }, testDb()),
    ).rejects.toThrow(/over the 16384-byte limit/);
  });

  it("stores lib/ratelimit's clientIp() as it comes: an address, or no address when no trusted proxy names the client", async () => {
    // A prototype that copies ratelimit and audit passes clientIp(headers) straight through; its
    // "unknown" (no trusted proxy, or no forwarded address) must not turn every audited change into a 500.
    const stored = async (ip: string) => {
      const input = event(randomUUID());
      const { id } = await recordAuditEvent({ ...input, ip }, testDb());
      return (await testDb().auditEvent.findUniqueOrThrow({ where: { id } })).actorIp;
    };
    const forwarded = new Headers({ "x-forwarded-for": "203.0.113.7" });
    expect(await stored(clientIp(forwarded, undefined, 1))).toBe("203.0.113.7");
    expect(await stored(clientIp(forwarded, undefined, 0))).toBeNull(); // no proxy trusted
    expect(await stored(clientIp(new Headers(), undefined, 1))).toBeNull(); // nothing forwarded
  });

  it("refuses metadata that holds a user's id, under any key: a user is the actor or the target", async () => {
    const { orgId, chain } = newOrg();
    const user = await createTestUser();
    for (const metadata of [
      { userId: user.id },
      { toUserId: user.id.toUpperCase() },
      { filter: { requestedBy: [user.id] } },
    ]) {
      await expect(recordAuditEvent(event(orgId, { metadata }), testDb())).rejects.toThrow(
        new RegExp(`metadata holds a User\\.id \\(${user.id}\\)\\. Make that user the actor or the target`),
      );
    }
    // Other ids (a membership, an organization, a user who does not exist) are details like any other.
    await recordAuditEvent(
      event(orgId, {
        target: { type: "user", id: user.id },
        metadata: { membershipId: randomUUID(), orgId, userId: randomUUID() },
      }),
      testDb(),
    );
    expect(await rowsOf(chain)).toHaveLength(1);
  });
});

describe("append-only enforcement in the database", () => {
  it("refuses UPDATE, DELETE and TRUNCATE from the app's connection, and the event stays as it was", async () => {
    const { orgId, chain } = newOrg();
    const recorded = await recordAuditEvent(event(orgId), testDb());
    const db = testDb();

    await expect(
      db.auditEvent.update({ where: { id: recorded.id }, data: { metadata: { forged: true } } }),
    ).rejects.toThrow(/"AuditEvent" is append-only: UPDATE refused/);
    await expect(db.auditEvent.deleteMany({ where: { chain } })).rejects.toThrow(
      /"AuditEvent" is append-only: DELETE refused/,
    );
    await expect(db.$executeRawUnsafe(`DELETE FROM "AuditEvent" WHERE chain = $1`, chain)).rejects.toThrow(
      /append-only: DELETE refused/,
    );
    await expect(db.$executeRawUnsafe(`TRUNCATE "AuditEvent"`)).rejects.toThrow(
      /append-only: TRUNCATE refused/,
    );
    // The pseudonymization path opens only inside its function: the same change made directly is refused.
    await expect(
      db.$executeRawUnsafe(
        `UPDATE "AuditEvent" SET "actorId" = 'pseudonym:' || encode(sha256(convert_to("actorId", 'UTF8')), 'hex') WHERE chain = $1`,
        chain,
      ),
    ).rejects.toThrow(/append-only: UPDATE refused/);

    expect(await rowsOf(chain)).toHaveLength(1);
    expect(await verifyAuditChains({ chain, db })).toMatchObject({ ok: true, checked: 1 });
  });

  it("refuses a second event at the same (chain, seq), the backstop against forks", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(event(orgId), testDb());
    await expect(
      testDb().$executeRawUnsafe(
        `INSERT INTO "AuditEvent" (id, chain, seq, at, "actorType", action, metadata, "prevHash", hash)
         VALUES ($1::uuid, $2, 1, now(), 'SYSTEM', 'org.renamed', '{}', $3, $3)`,
        randomUUID(),
        chain,
        GENESIS_HASH,
      ),
    ).rejects.toThrow(/AuditEvent_chain_seq_key|unique/i);
  });

  it.skipIf(embedded)(
    "explains a stale chain head under REPEATABLE READ instead of forking (skipped on embedded PGlite: it runs one transaction at a time, and this needs two open)",
    async () => {
      const { orgId } = newOrg();
      await recordAuditEvent(event(orgId), testDb());
      const attempt = testDb().$transaction(
        async (tx) => {
          await tx.$queryRaw`SELECT 1`; // takes the snapshot, before the append below commits
          await recordAuditEvent(event(orgId), testDb());
          return recordAuditEvent(event(orgId), tx);
        },
        { isolationLevel: "RepeatableRead" },
      );
      await expect(attempt).rejects.toThrow(
        /already has seq 2, so this append read a stale head.*READ COMMITTED/,
      );
    },
  );
});

describe("tamper detection", () => {
  async function threeEvents() {
    const { orgId, chain } = newOrg();
    const recorded = [];
    for (let i = 0; i < 3; i++)
      recorded.push(await recordAuditEvent(event(orgId, { metadata: { i } }), testDb()));
    return { chain, recorded };
  }

  it("reports an event whose metadata was edited behind the trigger's back", async () => {
    const { chain, recorded } = await threeEvents();
    await bypassingTriggers(
      `UPDATE "AuditEvent" SET metadata = '{"i": 99}' WHERE id = $1::uuid`,
      recorded[1]?.id,
    );

    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({
      ok: false,
      checked: 1,
      chains: 1,
      chain,
      seq: 2,
      eventId: recorded[1]?.id,
      reason: expect.stringMatching(/^hash mismatch/),
      breaks: [expect.objectContaining({ chain, seq: 2 })],
    });
    const everything = await verifyAuditChains({ db: testDb() });
    expect(everything.ok).toBe(false);
    if (!everything.ok) expect(everything.breaks).toContainEqual(expect.objectContaining({ chain, seq: 2 }));
  });

  it("reports a deleted event as missing", async () => {
    const { chain, recorded } = await threeEvents();
    await bypassingTriggers(`DELETE FROM "AuditEvent" WHERE id = $1::uuid`, recorded[1]?.id);
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({
      ok: false,
      seq: 3,
      eventId: recorded[2]?.id,
      reason: "seq 3 follows seq 1: events 2..2 are missing",
    });
  });

  it("reports a rewritten event whose hash was recomputed, at the next link", async () => {
    // An attacker who recomputes the edited event's hash still can't fix the next event's prevHash
    // without rewriting everything after it.
    const { chain, recorded } = await threeEvents();
    const row = await testDb().auditEvent.findUniqueOrThrow({ where: { id: recorded[1]?.id } });
    const forged = auditEventHash({ ...row, seq: Number(row.seq), metadata: { i: 99 } }, pseudonymKey);
    await bypassingTriggers(
      `UPDATE "AuditEvent" SET metadata = '{"i": 99}', hash = $2 WHERE id = $1::uuid`,
      row.id,
      forged,
    );
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/^prevHash does not match the hash of seq 2/),
    });
  });
});

describe("chains recorded before hashVersion 3", () => {
  it("verify with version 1, 2 and 3 events mixed, also with npm run audit:verify", async () => {
    const { orgId, chain } = newOrg();
    await appendVersion1Events(orgId, 2);
    await recordAuditEvent(event(orgId), testDb());
    await recordAuditEvent(event(orgId), testDb());
    await appendVersion2Events(orgId, 1);
    await recordAuditEvent(event(orgId), testDb());
    expect((await rowsOf(chain)).map((row) => row.hashVersion)).toEqual([1, 1, 3, 3, 2, 3]);
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 6, chains: 1 });
    expect((await verifyScript(chain)).stdout).toMatch(/6 events in 1 chain\(s\), no broken link\./);
  });

  it.each([
    ["a version 1 event", 2],
    ["a version 3 event", 4],
  ])("report %s whose target was edited behind the trigger's back", async (_, seq) => {
    const { orgId, chain } = newOrg();
    await appendVersion1Events(orgId, 2);
    await recordAuditEvent(event(orgId), testDb());
    await recordAuditEvent(event(orgId), testDb());
    await bypassingTriggers(
      `UPDATE "AuditEvent" SET "targetId" = $2 WHERE chain = $1 AND seq = ${seq}`,
      chain,
      randomUUID(),
    );
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({
      ok: false,
      checked: seq - 1,
      seq,
      reason: expect.stringMatching(/^hash mismatch/),
    });
  });

  it.each([
    ["a version 3 event relabelled as version 1", 2, 1],
    ["a version 3 event relabelled as version 2", 2, 2],
    ["a version 1 event relabelled as version 3", 1, 3],
    ["an event labelled with a version nobody wrote", 2, 7],
  ])("report %s", async (_, seq, relabel) => {
    const { orgId, chain } = newOrg();
    await appendVersion1Events(orgId, 1);
    await recordAuditEvent(event(orgId), testDb());
    await bypassingTriggers(
      `UPDATE "AuditEvent" SET "hashVersion" = ${relabel} WHERE chain = $1 AND seq = ${seq}`,
      chain,
    );
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({
      ok: false,
      seq,
      reason:
        relabel === 7
          ? "hashVersion 7 is not one this version of the app knows (1, 2, 3)"
          : expect.stringMatching(/^hash mismatch/),
    });
  });
});

describe("retention: pruneAuditEvents", () => {
  it("deletes the old start of a chain, leaves a checkpoint, and the rest still verifies and grows", async () => {
    const { orgId, chain } = newOrg();
    for (let i = 0; i < 3; i++) await recordAuditEvent(event(orgId), testDb());
    await new Promise((resolve) => setTimeout(resolve, 10)); // the next events get a later timestamp
    const fourth = await recordAuditEvent(event(orgId), testDb());
    await recordAuditEvent(event(orgId), testDb());
    const third = (await rowsOf(chain))[2];

    const result = await pruneAuditEvents({ olderThan: fourth.at, chain, db: testDb() });
    expect(result).toMatchObject({ pruned: 3, chains: [{ chain, pruned: 3, checkpointSeq: 3 }] });
    expect((await rowsOf(chain)).map((row) => Number(row.seq))).toEqual([4, 5]);
    const checkpoint = await testDb().auditCheckpoint.findFirstOrThrow({ where: { chain } });
    expect(checkpoint).toMatchObject({ seq: 3n, hash: third?.hash, prunedCount: 3n });
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 2, chains: 1 });

    expect((await recordAuditEvent(event(orgId), testDb())).seq).toBe(6);
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 3, chains: 1 });

    // Checkpoints are append-only too.
    await expect(
      testDb().auditCheckpoint.update({
        where: { chain_seq: { chain, seq: 3n } },
        data: { hash: GENESIS_HASH },
      }),
    ).rejects.toThrow(/"AuditCheckpoint" is append-only: UPDATE refused/);
    await expect(testDb().auditCheckpoint.deleteMany({ where: { chain } })).rejects.toThrow(/DELETE refused/);
  });

  it("still detects tampering after a prune, in the first remaining event", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(event(orgId), testDb());
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await recordAuditEvent(event(orgId), testDb());
    await recordAuditEvent(event(orgId), testDb());
    await pruneAuditEvents({ olderThan: second.at, chain, db: testDb() });

    await bypassingTriggers(
      `UPDATE "AuditEvent" SET "actorIp" = '198.51.100.1' WHERE id = $1::uuid`,
      second.id,
    );
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({
      ok: false,
      seq: 2,
      eventId: second.id,
      reason: expect.stringMatching(/^hash mismatch/),
    });
  });

  it("can empty a chain, and the next event continues from the checkpoint", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(event(orgId), testDb());
    const last = await recordAuditEvent(event(orgId), testDb());
    await new Promise((resolve) => setTimeout(resolve, 5));

    expect(await pruneAuditEvents({ olderThan: new Date(), chain, db: testDb() })).toMatchObject({
      pruned: 2,
    });
    expect(await rowsOf(chain)).toEqual([]);
    const next = await recordAuditEvent(event(orgId), testDb());
    expect(next.seq).toBe(3);
    expect((await rowsOf(chain))[0]?.prevHash).toBe(last.hash);
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 1, chains: 1 });
  });

  it("keeps events younger than AUDIT_RETENTION_DAYS by default and refuses a cutoff in the future", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(event(orgId), testDb());
    expect(await pruneAuditEvents({ chain, db: testDb() })).toMatchObject({ pruned: 0, chains: [] });
    await expect(
      pruneAuditEvents({ olderThan: new Date(Date.now() + 60_000), chain, db: testDb() }),
    ).rejects.toThrow(/is in the future/);
    expect(await rowsOf(chain)).toHaveLength(1);
  });
});

describe("transactions", () => {
  it("writes nothing when the caller's transaction rolls back", async () => {
    const { orgId, chain } = newOrg();
    await expect(
      testDb().$transaction(async (tx) => {
        await recordAuditEvent(event(orgId), tx);
        throw new Error("the change failed after its audit event was written");
      }),
    ).rejects.toThrow(/the change failed/);

    expect(await rowsOf(chain)).toEqual([]);
    expect((await recordAuditEvent(event(orgId), testDb())).seq).toBe(1);
  });

  it("commits the change and its audit event together", async () => {
    const slug = `audit-${randomUUID().slice(0, 8)}`;
    const owner = randomUUID();
    const { organization, recorded } = await testDb().$transaction(async (tx) => {
      const organization = await tx.organization.create({ data: { slug, name: "Audited" } });
      const recorded = await recordAuditEvent(
        {
          action: "org.created",
          actor: { type: "USER", id: owner },
          orgId: organization.id,
          metadata: { slug },
        },
        tx,
      );
      return { organization, recorded };
    });
    expect(recorded.chain).toBe(`org:${organization.id}`);
    expect(await rowsOf(recorded.chain)).toHaveLength(1);
  });
});

describe("pseudonymizeAuditUser", () => {
  it("replaces a user's id by its keyed pseudonym as actor and as user target, and the chain still verifies", async () => {
    const { orgId, chain } = newOrg();
    const userId = randomUUID();
    const other = randomUUID();
    const pseudonym = auditPseudonymOf(userId);
    // Keyed: not the SHA-256 of the id, which anyone holding the id (the logs hold it) could compute.
    expect(pseudonym).toMatch(/^pseudonym:[0-9a-f]{64}$/);
    expect(pseudonym).not.toBe(`pseudonym:${sha256(userId)}`);
    await recordAuditEvent(event(orgId, { actor: { type: "USER", id: userId } }), testDb());
    await recordAuditEvent(event(orgId, { actor: { type: "USER", id: other } }), testDb());
    await recordAuditEvent(
      event(orgId, { actor: { type: "USER", id: other }, target: { type: "user", id: userId } }),
      testDb(),
    );
    await recordAuditEvent(
      event(orgId, { actor: { type: "USER", id: userId }, target: { type: "user", id: userId } }),
      testDb(),
    );
    // Only a "user" target is the user: another type that happens to carry the same string stays.
    await recordAuditEvent(event(orgId, { target: { type: "project", id: userId } }), testDb());

    expect(await pseudonymizeAuditUser(userId.toUpperCase(), testDb())).toEqual({ asActor: 2, asTarget: 2 });
    expect((await rowsOf(chain)).map((row) => [row.actorId, row.targetId])).toEqual([
      [pseudonym, orgId],
      [other, orgId],
      [other, pseudonym],
      [pseudonym, pseudonym],
      [expect.any(String), userId],
    ]);
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 5, chains: 1 });
    expect(await pseudonymizeAuditUser(userId, testDb())).toEqual({ asActor: 0, asTarget: 0 });
  });

  it("gives older events the SHA-256 pseudonym their hash covers, leaves a version 1 user target, and the mixed chain verifies", async () => {
    const { orgId, chain } = newOrg();
    const userId = randomUUID();
    await appendVersion1Events(orgId, 1, { targetType: "user", targetId: userId });
    await appendVersion2Events(orgId, 1, { targetType: "user", targetId: userId, actorId: userId });
    await recordAuditEvent(event(orgId, { target: { type: "user", id: userId } }), testDb());

    expect(await pseudonymizeAuditUser(userId, testDb())).toEqual({ asActor: 1, asTarget: 2 });
    expect((await rowsOf(chain)).map((row) => [row.hashVersion, row.actorId, row.targetId])).toEqual([
      [1, expect.any(String), userId],
      [2, `pseudonym:${sha256(userId)}`, `pseudonym:${sha256(userId)}`],
      [3, expect.any(String), auditPseudonymOf(userId)],
    ]);
    expect(await verifyAuditChains({ chain, db: testDb() })).toEqual({ ok: true, checked: 3, chains: 1 });
  });

  it("opens a path for exactly those changes on version 2 events: with its setting on, any other UPDATE is still refused", async () => {
    const { orgId } = newOrg();
    const userId = randomUUID();
    const [recorded] = await appendVersion2Events(orgId, 1, { targetType: "user", targetId: userId });
    const [legacy] = await appendVersion1Events(orgId, 1, { targetType: "user", targetId: userId });
    const [aboutProject] = await appendVersion2Events(orgId, 1, { targetType: "project", targetId: userId });
    const keyed = await recordAuditEvent(event(orgId, { target: { type: "user", id: userId } }), testDb());
    const pseudonymizeAnd = (extra: string, id = recorded) =>
      testDb().$transaction(async (tx) => {
        // What audit_pseudonymize_user sets; here set by hand, as a deliberate bypass would.
        await tx.$executeRawUnsafe("SET LOCAL shipshape.audit_maintenance = 'pseudonymize'");
        await tx.$executeRawUnsafe(`UPDATE "AuditEvent" SET ${extra} WHERE id = $1::uuid`, id);
      });
    const actor = `"actorId" = 'pseudonym:' || encode(sha256(convert_to("actorId", 'UTF8')), 'hex')`;
    const target = `"targetId" = 'pseudonym:' || encode(sha256(convert_to("targetId", 'UTF8')), 'hex')`;
    await expect(pseudonymizeAnd(`${actor}, action = 'org.deleted'`)).rejects.toThrow(/UPDATE refused/);
    await expect(pseudonymizeAnd(`${target}, action = 'org.deleted'`)).rejects.toThrow(/UPDATE refused/);
    await expect(pseudonymizeAnd(`${target}, "hashVersion" = 1`)).rejects.toThrow(/UPDATE refused/);
    await expect(pseudonymizeAnd(`"actorId" = 'pseudonym:${"0".repeat(64)}'`)).rejects.toThrow(
      /UPDATE refused/,
    );
    await expect(pseudonymizeAnd(`"targetId" = 'pseudonym:${"0".repeat(64)}'`)).rejects.toThrow(
      /UPDATE refused/,
    );
    await expect(pseudonymizeAnd(`"targetId" = $1::text`)).rejects.toThrow(/UPDATE refused/);
    await expect(pseudonymizeAnd(`metadata = '{}'`)).rejects.toThrow(/UPDATE refused/);
    // A version 1 event covers the raw target id, and a target that is not a user is not theirs.
    await expect(pseudonymizeAnd(target, legacy)).rejects.toThrow(/UPDATE refused/);
    await expect(pseudonymizeAnd(target, aboutProject)).rejects.toThrow(/UPDATE refused/);
    // A version 3 event's hash covers the keyed reference: the SHA-256 pseudonym would break it.
    await expect(pseudonymizeAnd(actor, keyed.id)).rejects.toThrow(/UPDATE refused/);
    // Both at once, and nothing else: let through.
    await pseudonymizeAnd(`${actor}, ${target}`);
  });

  it.each([
    ["an actor", `"actorId"`],
    ["a user target", `"targetId"`],
  ])(
    "leaves the chain broken when %s is swapped for someone else behind the trigger's back",
    async (_, column) => {
      const { orgId, chain } = newOrg();
      const recorded = await recordAuditEvent(
        event(orgId, { target: { type: "user", id: randomUUID() } }),
        testDb(),
      );
      await bypassingTriggers(
        `UPDATE "AuditEvent" SET ${column} = $2 WHERE id = $1::uuid`,
        recorded.id,
        randomUUID(),
      );
      expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: false, seq: 1 });
    },
  );
});

describe("erasing personal data from version 3 events (decision 0040)", () => {
  const hex = (c: string) => c.repeat(64);
  const redactAnd = (extra: string, id: string) =>
    testDb().$transaction(async (tx) => {
      // What audit_redact_events sets; here set by hand, as a deliberate bypass would.
      await tx.$executeRawUnsafe("SET LOCAL shipshape.audit_maintenance = 'redact'");
      await tx.$executeRawUnsafe(`UPDATE "AuditEvent" SET ${extra} WHERE id = $1::uuid`, id);
    });

  it("lets through only keyed replacements of the personal fields, on version 3 rows", async () => {
    const { orgId } = newOrg();
    const userId = randomUUID();
    const recorded = await recordAuditEvent(
      event(orgId, {
        actor: { type: "USER", id: userId },
        target: { type: "user", id: userId },
        metadata: { name: "Jane's org", n: 1 },
      }),
      testDb(),
    );
    const [legacy] = await appendVersion2Events(orgId, 1);
    const system = await recordAuditEvent(
      event(orgId, { actor: { type: "SYSTEM", id: "account-deletion" } }),
      testDb(),
    );
    const project = await recordAuditEvent(
      event(orgId, { target: { type: "project", id: randomUUID() } }),
      testDb(),
    );
    for (const [extra, id] of [
      [`action = 'org.deleted'`, recorded.id],
      [`"actorId" = 'someone-else'`, recorded.id],
      [`"actorId" = 'pseudonym:${hex("g")}'`, recorded.id],
      [`"actorIp" = 'pseudonym:${hex("a")}'`, recorded.id],
      [`"actorIp" = NULL`, recorded.id],
      [`metadata = '{"name": "redacted:${hex("a")}"}'`, recorded.id],
      [`metadata = '{"name": "redacted:${hex("a")}", "n": 2}'`, recorded.id],
      [`metadata = '{"name": "x", "n": 1}'`, recorded.id],
      [`"actorId" = 'pseudonym:${hex("a")}'`, legacy as string],
      [`"actorId" = 'pseudonym:${hex("a")}'`, system.id],
      [`"targetId" = 'pseudonym:${hex("a")}'`, project.id],
    ] as const) {
      await expect(redactAnd(extra, id), extra).rejects.toThrow(/UPDATE refused/);
    }
    await redactAnd(
      `"actorId" = 'pseudonym:${hex("a")}', "targetId" = 'pseudonym:${hex("b")}', "actorIp" = 'redacted:${hex("c")}', ` +
        `"actorUserAgent" = 'redacted:${hex("d")}', metadata = '{"name": "redacted:${hex("e")}", "n": 1}'`,
      recorded.id,
    );
    // Once replaced, a value stays what it became.
    await expect(redactAnd(`"actorIp" = 'redacted:${hex("f")}'`, recorded.id)).rejects.toThrow(
      /UPDATE refused/,
    );
  });

  it("redacts client details older than their retention, keeps younger ones, and the chain verifies", async () => {
    const { orgId, chain } = newOrg();
    const [legacy] = await appendVersion2Events(orgId, 1);
    const old = await recordAuditEvent(
      event(orgId, { ip: "198.51.100.23", userAgent: "Jane's browser" }),
      testDb(),
    );
    const cutoff = new Date();
    const young = await recordAuditEvent(event(orgId), testDb());

    const result = await redactAuditClientDetails({ olderThan: cutoff, db: testDb() });
    expect(result.redacted).toBeGreaterThanOrEqual(1);
    const rows = await rowsOf(chain);
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(old.id)).toMatchObject({
      actorIp: expect.stringMatching(/^redacted:[0-9a-f]{64}$/),
      actorUserAgent: expect.stringMatching(/^redacted:[0-9a-f]{64}$/),
    });
    expect(byId.get(young.id)).toMatchObject({ actorIp: "203.0.113.7", actorUserAgent: "vitest" });
    // A version 2 event's hash covers the raw address: it stays until AUDIT_RETENTION_DAYS.
    expect(byId.get(legacy as string)).toMatchObject({ actorIp: "203.0.113.7" });
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: true, checked: 3 });
    // Running again finds nothing more to do.
    const again = await redactAuditClientDetails({ olderThan: cutoff, db: testDb() });
    expect(rows.length).toBe(3);
    expect((await rowsOf(chain)).find((row) => row.id === old.id)?.actorIp).toBe(byId.get(old.id)?.actorIp);
    expect(again.redacted).toBe(0);
  });

  it("redacts the free-text metadata about a deleted user and of the organizations deleted with them", async () => {
    const { orgId, chain } = newOrg();
    const other = newOrg();
    const userId = randomUUID();
    await recordAuditEvent(
      event(orgId, {
        action: "org.created",
        actor: { type: "USER", id: userId },
        metadata: { name: "Jane Doe's", slug: "jane-doe" },
      }),
      testDb(),
    );
    await recordAuditEvent(
      event(orgId, { action: "project.created", metadata: { name: "Jane's diary" } }),
      testDb(),
    );
    await recordAuditEvent(
      event(null, {
        action: "auth.email.changed",
        actor: { type: "USER", id: userId },
        metadata: { via: "confirmation_link", fromDomain: "jane-doe.example", toDomain: "mail.example" },
      }),
      testDb(),
    );
    // Another organization's names are not the person's: they stay.
    await recordAuditEvent(
      event(other.orgId, { action: "org.created", metadata: { name: "Acme", slug: "acme" } }),
      testDb(),
    );

    await testDb().$transaction((tx) => redactAuditFreeText({ userId, orgIds: [orgId] }, tx));
    const metadataOf = async (c: string) => (await rowsOf(c)).map((row) => row.metadata);
    const redacted = expect.stringMatching(/^redacted:[0-9a-f]{64}$/);
    expect(await metadataOf(chain)).toEqual([{ name: redacted, slug: redacted }, { name: redacted }]);
    const platform = await testDb().auditEvent.findFirst({
      where: { chain: { startsWith: "platform:" }, actorId: userId, action: "auth.email.changed" },
    });
    expect(platform?.metadata).toEqual({
      via: "confirmation_link",
      fromDomain: redacted,
      toDomain: redacted,
    });
    expect(await metadataOf(other.chain)).toEqual([{ name: "Acme", slug: "acme" }]);
    expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: true });
    expect(await verifyAuditChains({ chain: platform?.chain as AuditChain, db: testDb() })).toMatchObject({
      ok: true,
    });
  });
});

describe("recordSecurityEvent", () => {
  it("writes the audit row and a warn log line carrying the event's place in the chain", async () => {
    const warn = vi.spyOn(logger, "warn");
    const recorded = await recordSecurityEvent(
      {
        action: "auth.sign_in.failed",
        actor: { type: "ANONYMOUS" },
        ip: "198.51.100.23",
        metadata: { reason: "wrong_password", password: "typed-by-mistake" },
      },
      testDb(),
    );

    const row = await testDb().auditEvent.findUniqueOrThrow({ where: { id: recorded.id } });
    expect(row).toMatchObject({ action: "auth.sign_in.failed", actorType: "ANONYMOUS", actorId: null });
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        event: "auth.sign_in.failed",
        ip: "198.51.100.23",
        audit: { eventId: recorded.id, chain: recorded.chain, seq: recorded.seq, hash: recorded.hash },
      }),
      "security event auth.sign_in.failed",
    );
  });

  it("logs at info for routine events, and at error (then throws) when the row cannot be written", async () => {
    const info = vi.spyOn(logger, "info");
    const error = vi.spyOn(logger, "error");
    const userId = randomUUID();
    await recordSecurityEvent({ action: "auth.mfa.enrolled", actor: { type: "USER", id: userId } }, testDb());
    expect(info).toHaveBeenCalledWith(
      expect.objectContaining({ event: "auth.mfa.enrolled", actorId: userId }),
      "security event auth.mfa.enrolled",
    );

    await expect(
      recordSecurityEvent({ action: "auth.lockout", actor: { type: "USER", id: "not-a-uuid" } }, testDb()),
    ).rejects.toThrow(InvalidAuditEventError);
    expect(error).toHaveBeenCalledWith(
      expect.objectContaining({ event: "auth.lockout", err: expect.any(InvalidAuditEventError) }),
      "security event auth.lockout could not be written to the audit log",
    );
  });
});

describe("npm run audit:verify", () => {
  it("exits 0 on an intact chain, and 1 printing the broken link after tampering", async () => {
    const { orgId, chain } = newOrg();
    await recordAuditEvent(event(orgId), testDb());
    const second = await recordAuditEvent(event(orgId), testDb());

    const intact = await verifyScript(chain);
    expect(intact.stdout).toMatch(/Audit log verified in .*: 2 events in 1 chain\(s\), no broken link\./);

    await bypassingTriggers(`UPDATE "AuditEvent" SET action = 'org.renamed' WHERE id = $1::uuid`, second.id);
    await expect(verifyScript(chain)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`BROKEN chain ${chain} at seq 2 (event ${second.id}): hash mismatch`),
    });
  });

  it("verifies one platform shard by name", async () => {
    const recorded = await recordAuditEvent(event(null, { action: "auth.sign_in.succeeded" }), testDb());
    const { stdout } = await verifyScript(recorded.chain);
    expect(stdout).toMatch(/: \d+ events in 1 chain\(s\), no broken link\./);
  });

  it("exits 2 with the expected form when --chain is malformed", async () => {
    await expect(verifyScript("acme")).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--chain must be "platform:<shard>", "platform" or "org:<orgId>"'),
    });
  });
});
