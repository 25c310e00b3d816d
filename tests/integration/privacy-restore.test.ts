// Restores remember deletions (decision 0040): back up, hard-delete a person, restore the backup
// taken before, and the person is gone again, before anything could serve the restored data. The
// real pg_dump / pg_restore through lib/backup's restoreBackup, the one `npm run restore` and the
// drill run; the deletion ledger file beside the backups, as the account-deletion job writes it.

import { randomBytes } from "node:crypto";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { recordAuditEvent, verifyAuditChains } from "@/lib/audit";
import {
  type BackupConfig,
  createBackup,
  type RestoreKeys,
  readBackupConfig,
  restoreBackup,
} from "@/lib/backup";
import { createPrismaClient } from "@/lib/db";
import { readDbConfig } from "@/lib/db/config";
import {
  auditPseudonym,
  DELETION_LEDGER_FILE,
  hardDeleteAccount,
  requestAccountDeletion,
  writeDeletionLedgerFile,
} from "@/lib/privacy";
import { createScratchDatabase, type ScratchDatabase, testDb } from "../support/db";
import { requirePgDump } from "../support/services";
import { createTestUser } from "../support/users";

const testDatabase = inject("testDatabase");
const toolsPresent = await requirePgDump(testDatabase);
const DAY_MS = 24 * 60 * 60 * 1000;
// The app server encrypts to the recipient; the restore host holds the identity (decision 0039).
const IDENTITY = await generateIdentity();
const KEYS: RestoreKeys = { identities: [IDENTITY], keyring: new Map() };

let backupDir: string;
let config: BackupConfig;
let target: ScratchDatabase;

beforeAll(async () => {
  if (!toolsPresent) return;
  backupDir = await mkdtemp(path.join(tmpdir(), "shipshape-erasure-"));
  config = readBackupConfig({
    BACKUP_DIR: backupDir,
    BACKUP_RECIPIENTS: await identityToRecipient(IDENTITY),
  });
  target = await createScratchDatabase();
});

afterAll(async () => {
  if (!toolsPresent) return;
  await target?.drop();
  await rm(backupDir, { recursive: true, force: true });
});

/** A person with an organization of their own and some history, as the backup will hold them. */
async function seedPerson() {
  const email = `restore-${randomBytes(4).toString("hex")}@erasure.example`;
  const user = await createTestUser({ email, name: "Perpetua Restorwell" });
  const org = await testDb().organization.create({
    data: { slug: `perpetua-${randomBytes(3).toString("hex")}`, name: "Perpetua's workshop" },
  });
  await testDb().membership.create({ data: { userId: user.id, orgId: org.id, role: "OWNER" } });
  await recordAuditEvent(
    {
      action: "org.created",
      actor: { type: "USER", id: user.id },
      ip: "198.51.100.77",
      orgId: org.id,
      target: { type: "organization", id: org.id },
      metadata: { name: org.name, slug: org.slug },
    },
    testDb(),
  );
  return { user, org, email };
}

async function deleteNow(userId: string) {
  const now = new Date();
  await requestAccountDeletion(userId, {}, new Date(now.getTime() - 31 * DAY_MS));
  expect(await hardDeleteAccount(userId, { now })).not.toBeNull();
}

describe.skipIf(!toolsPresent)("restoring a backup taken before a deletion", () => {
  it("deletes the person again, with their organization, and the audit chains verify", async () => {
    const { user, org, email } = await seedPerson();
    const backup = await createBackup({ databaseUrl: readDbConfig().DATABASE_URL, config, upload: false });
    await deleteNow(user.id);
    // What the account-deletion job does after each run.
    expect(await writeDeletionLedgerFile(backupDir)).toBeGreaterThanOrEqual(1);
    const ledgerText = await readFile(path.join(backupDir, DELETION_LEDGER_FILE), "utf8");
    expect(ledgerText).toContain(auditPseudonym(user.id));
    expect(ledgerText).not.toContain(user.id);
    expect(ledgerText).not.toContain(email);

    const { verification, erasure } = await restoreBackup({
      input: backup.manifestPath,
      targetUrl: target.url,
      keys: KEYS,
      force: true,
    });
    expect(verification.ok).toBe(true);
    expect(erasure.deletedAgain).toBe(1);

    const restored = createPrismaClient({ DATABASE_URL: target.url, DATABASE_POOL_MAX: 2 });
    try {
      expect(await restored.user.findUnique({ where: { id: user.id } })).toBeNull();
      expect(await restored.user.findFirst({ where: { email } })).toBeNull();
      expect(await restored.organization.findUnique({ where: { id: org.id } })).toBeNull();
      expect(
        await restored.deletionLedgerEntry.findUnique({ where: { pseudonym: auditPseudonym(user.id) } }),
      ).not.toBeNull();
      expect(await restored.auditEvent.count({ where: { actorId: user.id } })).toBe(0);
      const [again] = await restored.auditEvent.findMany({
        where: { action: "account.deleted", targetId: auditPseudonym(user.id) },
        orderBy: { at: "desc" },
        take: 1,
      });
      expect(again?.metadata).toMatchObject({ reappliedAfterRestore: true });
      // The chains their events are in (other test files of this worker tamper with their own).
      for (const chain of ["platform", `org:${org.id}`]) {
        const verification = await verifyAuditChains({ chain, db: restored });
        expect(verification, JSON.stringify(verification)).toMatchObject({ ok: true });
      }
    } finally {
      await restored.$disconnect();
    }
  });

  it("brings the person back without the ledger: the ledger is what holds the deletion", async () => {
    const { user } = await seedPerson();
    const backup = await createBackup({ databaseUrl: readDbConfig().DATABASE_URL, config, upload: false });
    await deleteNow(user.id);
    // The backup copied somewhere with no ledger beside it.
    const bare = await mkdtemp(path.join(tmpdir(), "shipshape-bare-"));
    try {
      for (const file of [backup.filePath, backup.manifestPath])
        await copyFile(file, path.join(bare, path.basename(file)));
      const { erasure } = await restoreBackup({
        input: path.join(bare, path.basename(backup.manifestPath)),
        targetUrl: target.url,
        keys: KEYS,
        force: true,
      });
      expect(erasure.deletedAgain).toBe(0);
      const restored = createPrismaClient({ DATABASE_URL: target.url, DATABASE_POOL_MAX: 2 });
      try {
        expect(await restored.user.findUnique({ where: { id: user.id } })).not.toBeNull();
      } finally {
        await restored.$disconnect();
      }
    } finally {
      await rm(bare, { recursive: true, force: true });
    }
  });
});
