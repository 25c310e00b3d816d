// Backups on the real PostgreSQL: pg_dump → age encryption → file → decryption → pg_restore, and the
// drill; the `age` command line tool restoring the app's backup; format-1 backups still read.
// Each test file run makes its own source and target databases (scratch databases of the test run).

import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { generateIdentity, identityToRecipient } from "age-encryption";
import PgBoss from "pg-boss";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import {
  type BackupConfig,
  type BackupResult,
  createBackup,
  describeProblems,
  latestDrill,
  type RestoreKeys,
  readBackupConfig,
  requireRestoreKeys,
  restoreBackup,
  runDrill,
  verifyDatabase,
} from "@/lib/backup";
import { createPrismaClient } from "@/lib/db";
import { applyMigrations, readMigrations } from "@/tools/db/apply-migrations";
import { createScratchDatabase, runSql, type ScratchDatabase } from "../support/db";
import { requirePgDump } from "../support/services";

const run = promisify(execFile);
const testDatabase = inject("testDatabase");

// pg_dump refuses the embedded PGlite (PostgreSQL 18): there the tests skip, saying why.
const toolsPresent = await requirePgDump(testDatabase);

// The operator's key pair: the app server gets the public key, the restore host the identity.
const IDENTITY = await generateIdentity();
const RECIPIENT = await identityToRecipient(IDENTITY);
const KEYS: RestoreKeys = { identities: [IDENTITY], keyring: new Map() };

let source: ScratchDatabase;
let target: ScratchDatabase;
let workDir: string;
let backupDir: string;
let config: BackupConfig;
let backup: BackupResult;

/** Config as `npm run backup` reads it from the app server's environment: public keys only. */
function configFor(dir: string, env: Record<string, string> = {}): BackupConfig {
  return readBackupConfig({ BACKUP_DIR: dir, BACKUP_RECIPIENTS: RECIPIENT, ...env });
}

/** Config of the restore host, which holds the identity (for the drill). */
const restoreHostConfig = (dir: string, env: Record<string, string> = {}) =>
  configFor(dir, { BACKUP_IDENTITY: IDENTITY, ...env });

/** Where the age payload's chunks start: after the header's MAC line and the 16-byte nonce. */
function agePayloadOffset(file: Buffer): number {
  return file.indexOf("\n", file.indexOf("\n--- ") + 1) + 1 + 16;
}

/** A copy of the backup's file and manifest in a folder of its own, to damage. */
async function copyOfBackup(label: string): Promise<{ filePath: string; manifestPath: string }> {
  const dir = path.join(workDir, label);
  await mkdir(dir);
  const filePath = path.join(dir, path.basename(backup.filePath));
  const manifestPath = path.join(dir, path.basename(backup.manifestPath));
  await copyFile(backup.filePath, filePath);
  await copyFile(backup.manifestPath, manifestPath);
  return { filePath, manifestPath };
}

const totalRows = ({ manifest }: BackupResult) =>
  Object.values(manifest.tables).reduce((sum, table) => sum + table.rows, 0);

async function tablesOf(url: string): Promise<string[]> {
  const { rows } = await runSql(
    url,
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  return rows.map((row: { table_name: string }) => row.table_name);
}

/**
 * Row count and an md5 over the sorted row texts of every table, computed here independently of
 * lib/backup's own content hash, so a broken hash there cannot make both sides agree.
 */
async function fingerprint(url: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of await tablesOf(url)) {
    const { rows } = await runSql(
      url,
      `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C")), '') AS f FROM "${table}" t`,
    );
    result[table] = (rows as { f: string }[])[0]?.f ?? "";
  }
  return result;
}

/** Data in every model of the Prisma schema, plus enough random text for the dump to span chunks. */
async function fillSource(url: string): Promise<void> {
  const db = createPrismaClient({ DATABASE_URL: url, DATABASE_POOL_MAX: 2 });
  try {
    const owner = await db.user.create({ data: { email: "owner@backup.test", name: "Ö. Wner" } });
    const member = await db.user.create({
      data: { email: "member@backup.test", emailVerifiedAt: new Date() },
    });
    const org = await db.organization.create({ data: { slug: "backup-org", name: "Backup Org" } });
    await db.membership.createMany({
      data: [
        { userId: owner.id, orgId: org.id, role: "OWNER" },
        { userId: member.id, orgId: org.id, role: "MEMBER" },
      ],
    });
    await db.invitation.create({
      data: {
        orgId: org.id,
        email: "new@backup.test",
        tokenHash: randomBytes(32).toString("hex"),
        invitedById: owner.id,
        expiresAt: new Date(Date.now() + 7 * 86_400_000),
      },
    });
    // Random (incompressible) descriptions: about 400 KB, so several 64 KiB chunks.
    await db.project.createMany({
      data: Array.from({ length: 2000 }, (_, i) => ({
        orgId: org.id,
        name: `Project ${i}`,
        description: randomBytes(100).toString("hex"),
        createdById: i % 2 === 0 ? owner.id : null,
      })),
    });
  } finally {
    await db.$disconnect();
  }
}

describe.skipIf(!toolsPresent)("backups on PostgreSQL", () => {
  beforeAll(async () => {
    source = await createScratchDatabase();
    target = await createScratchDatabase();
    await applyMigrations({ databaseUrl: source.url });
    await fillSource(source.url);
    workDir = await mkdtemp(path.join(tmpdir(), "shipshape-backup-test-"));
    backupDir = path.join(workDir, "backups");
    config = configFor(backupDir);
    backup = await createBackup({ databaseUrl: source.url, config });
  });
  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await target.empty();
  });

  it("writes an age file and a manifest describing every table, in one snapshot", async () => {
    const { manifest, filePath, manifestPath } = backup;
    expect(path.basename(filePath)).toMatch(/^shipshape-\d{8}T\d{6}\.\d{3}Z\.dump\.age$/);
    expect(JSON.parse(await readFile(manifestPath, "utf8"))).toEqual(manifest);
    // Encrypted: neither pg_dump's "PGDMP" signature nor any table name is visible.
    const bytes = await readFile(filePath);
    expect(bytes.subarray(0, 22).toString("ascii")).toBe("age-encryption.org/v1\n");
    expect(bytes.includes("PGDMP")).toBe(false);
    expect(bytes.includes("Organization")).toBe(false);
    expect(manifest.encrypted.bytes).toBe(bytes.length);
    expect(manifest.dumpBytes).toBeGreaterThan(3 * 65_536);

    expect(Object.keys(manifest.tables).sort()).toEqual((await tablesOf(source.url)).sort());
    expect(manifest.tables).toMatchObject({
      User: { rows: 2 },
      Organization: { rows: 1 },
      Membership: { rows: 2 },
      Invitation: { rows: 1 },
      Project: { rows: 2000 },
    });
    const migrations = await readMigrations();
    expect(manifest.tables._prisma_migrations?.rows).toBe(migrations.length);
    expect(manifest.database.schemaVersion).toBe(migrations.at(-1)?.name);
    expect(manifest.database.serverVersion).toMatch(/^\d+\.\d+/);
    expect(manifest).toMatchObject({
      manifestVersion: 2,
      encryption: { format: "age-encryption.org/v1", recipients: [RECIPIENT], passphrase: false },
    });
    expect(manifest.tools.pgDump).toMatch(/^pg_dump \(PostgreSQL\) \d+/);
  });

  it("restores into an empty database: every table's rows and content equal the source's", async () => {
    const { verification, format } = await restoreBackup({
      input: backup.filePath,
      targetUrl: target.url,
      keys: KEYS,
    });
    expect(format).toBe("age");
    expect(describeProblems(verification)).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(verification.rows).toBe(totalRows(backup));
    const expected = await fingerprint(source.url);
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(6);
    expect(await fingerprint(target.url)).toEqual(expected);
  });

  it("refuses a checksum mismatch, and with the checksum skipped, the chunk that fails authentication", async () => {
    const { filePath } = await copyOfBackup("damaged");
    const bytes = await readFile(filePath);
    // Inside the third 64 KiB chunk: two chunks have already reached pg_restore when decryption fails.
    const offset = agePayloadOffset(bytes) + 2 * (65_536 + 16) + 1000;
    bytes[offset] = (bytes[offset] as number) ^ 0xff;
    await writeFile(filePath, bytes);

    const restore = (skipChecksum: boolean) =>
      restoreBackup({ input: filePath, targetUrl: target.url, keys: KEYS, skipChecksum });
    await expect(restore(false)).rejects.toMatchObject({
      code: "checksum-mismatch",
      message: expect.stringContaining("checksum mismatch"),
    });
    await expect(restore(true)).rejects.toMatchObject({
      code: "corrupt",
      message: expect.stringContaining("failed authentication"),
    });
    // pg_restore ran in one transaction and was stopped: nothing of the two good chunks remains.
    expect(await tablesOf(target.url)).toEqual([]);
  });

  it("refuses a truncated backup, at a chunk boundary or inside one, leaving the target untouched", async () => {
    const { filePath } = await copyOfBackup("truncated");
    const whole = await readFile(filePath);
    const cuts = [agePayloadOffset(whole) + 3 * (65_536 + 16), whole.length - 100];
    for (const cut of cuts) {
      await writeFile(filePath, whole.subarray(0, cut));
      await expect(
        restoreBackup({ input: filePath, targetUrl: target.url, keys: KEYS }),
      ).rejects.toMatchObject({
        code: "checksum-mismatch",
      });
      await expect(
        restoreBackup({ input: filePath, targetUrl: target.url, keys: KEYS, skipChecksum: true }),
      ).rejects.toMatchObject({ code: "corrupt" });
      expect(await tablesOf(target.url)).toEqual([]);
    }
  });

  it("refuses a backup whose manifest is missing, before touching the target", async () => {
    const { filePath, manifestPath } = await copyOfBackup("no-manifest");
    await rm(manifestPath);
    await runSql(target.url, 'CREATE TABLE "Stray" (id int)');
    await expect(
      restoreBackup({ input: filePath, targetUrl: target.url, keys: KEYS, force: true }),
    ).rejects.toMatchObject({ code: "config", message: expect.stringMatching(/manifest .* is missing/) });
    expect(await tablesOf(target.url)).toEqual(["Stray"]);
  });

  it("names a wrong identity, and the recipients the backup is for, leaving the target untouched", async () => {
    await runSql(target.url, 'CREATE TABLE "Stray" (id int)');
    const wrong: RestoreKeys = { identities: [await generateIdentity()], keyring: new Map() };
    await expect(
      restoreBackup({ input: backup.manifestPath, targetUrl: target.url, keys: wrong, force: true }),
    ).rejects.toMatchObject({
      code: "wrong-key",
      message: expect.stringContaining(
        `cannot decrypt: none of the configured keys (1 identities) opens this backup (it was encrypted to ${RECIPIENT}`,
      ),
    });
    expect(await tablesOf(target.url)).toEqual(["Stray"]);
  });

  it("a server configured with recipients only backs up, but cannot restore, saying where restores happen", async () => {
    const appServer = configFor(path.join(workDir, "app-server"));
    const made = await createBackup({ databaseUrl: source.url, config: appServer });
    expect(made.manifest.encryption).toMatchObject({ recipients: [RECIPIENT] });
    await expect(requireRestoreKeys(appServer)).rejects.toMatchObject({
      code: "key-not-configured",
      message: expect.stringMatching(/no identity is configured on this host.*restore host/),
    });
    // Even handed no key at all, the library itself opens nothing.
    await expect(
      restoreBackup({
        input: made.filePath,
        targetUrl: target.url,
        keys: { identities: [], keyring: new Map() },
      }),
    ).rejects.toMatchObject({ code: "wrong-key" });
    expect(await tablesOf(target.url)).toEqual([]);
    // The drill on such a server fails before making a backup, and records why.
    const drillDir = path.join(workDir, "app-server-drill");
    const record = await runDrill({ databaseUrl: source.url, config: configFor(drillDir) });
    expect(record).toMatchObject({ ok: false, backupFile: null });
    expect(record.problems[0]).toMatch(/no identity is configured on this host/);
  });

  it("the age command line tool restores the app's backup with pg_restore: no Shipshape code needed", async () => {
    const keyFile = path.join(workDir, "key.txt");
    await writeFile(keyFile, `# the operator's identity\n${IDENTITY}\n`, { mode: 0o600 });
    // The checksum with standard tools, as docs/RUNBOOK.md shows it.
    const { stdout: sum } = await run("sha256sum", [backup.filePath]);
    expect(sum.split(" ")[0]).toBe(backup.manifest.encrypted.sha256);
    // Exactly the RUNBOOK's pipe: age decrypts, pg_restore reads the archive from its stdin.
    const pipe = (file: string) =>
      run(
        "bash",
        [
          "-o",
          "pipefail",
          "-c",
          'age -d -i "$KEY" "$FILE" | pg_restore --no-owner --no-acl --single-transaction -d "$TARGET"',
        ],
        { env: { ...process.env, KEY: keyFile, FILE: file, TARGET: target.url } },
      );
    // A damaged copy: age stops at the bad chunk, and the cut-off archive restores nothing.
    const { filePath: damaged } = await copyOfBackup("damaged-for-age");
    const bytes = await readFile(damaged);
    const offset = agePayloadOffset(bytes) + 2 * (65_536 + 16) + 10;
    bytes[offset] = (bytes[offset] as number) ^ 0x01;
    await writeFile(damaged, bytes);
    await expect(pipe(damaged)).rejects.toMatchObject({ stderr: expect.stringMatching(/age: error/) });
    expect(await tablesOf(target.url)).toEqual([]);
    // Another identity opens nothing.
    const otherKey = path.join(workDir, "other-key.txt");
    await writeFile(otherKey, `${await generateIdentity()}\n`, { mode: 0o600 });
    await expect(run("age", ["-d", "-i", otherKey, backup.filePath])).rejects.toMatchObject({
      stderr: expect.stringMatching(/no identity matched any of the recipients/),
    });
    await pipe(backup.filePath);
    const verification = await verifyDatabase(target.url, backup.manifest);
    expect(describeProblems(verification)).toEqual([]);
    expect(verification.ok).toBe(true);
    expect(await fingerprint(target.url)).toEqual(await fingerprint(source.url));
  });

  it("still restores a format-1 backup (.dump.enc) during the transition, and says so", async () => {
    const KEY = randomBytes(32).toString("base64");
    const dir = path.join(workDir, "format-1");
    const legacyKey = { id: "k1", key: Buffer.from(KEY, "base64") };
    const old = await createBackup({
      databaseUrl: source.url,
      config: { ...configFor(dir), encryption: { format: "shipshape-v1", key: legacyKey } },
    });
    expect(path.basename(old.filePath)).toMatch(/\.dump\.enc$/);
    expect(old.manifest).toMatchObject({ manifestVersion: 1, encryption: { cipher: "AES-256-GCM" } });
    const restoreHost = readBackupConfig({ BACKUP_IDENTITY: IDENTITY, BACKUP_ENCRYPTION_KEY: KEY });
    const restored = await restoreBackup({
      input: old.manifestPath,
      targetUrl: target.url,
      keys: await requireRestoreKeys(restoreHost),
    });
    expect(restored.format).toBe(1);
    expect(restored.verification.ok).toBe(true);
    // A wrong format-1 key is still named as such, before the target is touched.
    await expect(
      restoreBackup({
        input: old.filePath,
        targetUrl: target.url,
        force: true,
        keys: { identities: [IDENTITY], keyring: new Map([["k1", randomBytes(32)]]) },
      }),
    ).rejects.toMatchObject({ code: "wrong-key", message: expect.stringContaining("key id k1") });
    // The command says which format it read.
    await target.empty();
    const cli = await run(
      process.execPath,
      [
        "node_modules/tsx/dist/cli.mjs",
        "--conditions=react-server",
        "scripts/restore.ts",
        old.filePath,
        "--target",
        target.url,
      ],
      { env: { ...process.env, BACKUP_DIR: dir, BACKUP_ENCRYPTION_KEY: KEY } },
    );
    expect(cli.stdout).toMatch(/^note: this backup is in format 1 .*read during the transition to age/m);
    expect(cli.stdout).toMatch(/^restore ok: /m);
  });

  it("encrypts to a passphrase when configured so, and the passphrase restores it", async () => {
    const passphrase = "four random words here";
    const dir = path.join(workDir, "passphrase");
    const made = await createBackup({
      databaseUrl: source.url,
      config: { ...configFor(dir), encryption: { format: "age", passphrase, scryptWorkFactor: 12 } },
    });
    expect(made.manifest.encryption).toEqual({
      format: "age-encryption.org/v1",
      recipients: [],
      passphrase: true,
    });
    const { verification } = await restoreBackup({
      input: made.filePath,
      targetUrl: target.url,
      keys: { identities: [], passphrase, keyring: new Map() },
    });
    expect(verification.ok).toBe(true);
  });

  it("refuses a non-empty target without force; with force replaces its whole public schema", async () => {
    await runSql(target.url, 'CREATE TABLE "Stray" (id int); INSERT INTO "Stray" VALUES (1)');
    const restore = (force: boolean) =>
      restoreBackup({ input: backup.filePath, targetUrl: target.url, keys: KEYS, force });
    await expect(restore(false)).rejects.toMatchObject({
      code: "target-not-empty",
      message: expect.stringMatching(/is not empty \(1 tables .* Stray\).*--force/),
    });
    expect(await tablesOf(target.url)).toEqual(["Stray"]);
    const { verification } = await restore(true);
    expect(verification.ok).toBe(true);
    expect(await tablesOf(target.url)).not.toContain("Stray");
  });

  it("reports a schema version mismatch after restoring", async () => {
    const { verification } = await restoreBackup({
      input: backup.filePath,
      targetUrl: target.url,
      keys: KEYS,
      beforeVerify: (url) =>
        runSql(
          url,
          `INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at, applied_steps_count)
           VALUES ('${randomUUID()}', '', '99999999999999_from_the_future', now(), 1)`,
        ).then(() => {}),
    });
    expect(verification.ok).toBe(false);
    expect(verification.schemaVersion).toEqual({
      expected: backup.manifest.database.schemaVersion,
      actual: "99999999999999_from_the_future",
      ok: false,
    });
    expect(describeProblems(verification)[0]).toMatch(
      /^schema version mismatch: the backup is at migration \d+_/,
    );
  });

  it("drills: backup, restore into a scratch database, compare, drop, record", async () => {
    const dir = path.join(workDir, "drill-ok");
    const record = await runDrill({ databaseUrl: source.url, config: restoreHostConfig(dir) });
    expect(record.problems).toEqual([]);
    expect(record).toMatchObject({
      ok: true,
      mismatches: [],
      tables: Object.keys(backup.manifest.tables).length,
      rows: totalRows(backup),
      schemaVersion: backup.manifest.database.schemaVersion,
    });
    expect(record.scratchDatabase).toMatch(/^shipshape_drill_\d{8}t\d{6}z_[0-9a-f]{4}$/);
    expect(existsSync(path.join(dir, record.backupFile ?? "missing"))).toBe(true);
    const { rows } = await runSql(
      source.url,
      `SELECT 1 FROM pg_database WHERE datname = '${record.scratchDatabase}'`,
    );
    expect(rows).toEqual([]);
    expect(await latestDrill(dir)).toEqual(record);
  });

  it("drills an existing backup (the app server's, copied to the restore host) without making one", async () => {
    const dir = path.join(workDir, "restore-host");
    const record = await runDrill({
      // Not read: the scratch database goes on --server, and no backup is made.
      databaseUrl: "postgresql://nobody@127.0.0.1:1/unused",
      serverUrl: source.url,
      config: restoreHostConfig(dir),
      backup: backup.manifestPath,
    });
    expect(record.problems).toEqual([]);
    expect(record).toMatchObject({
      ok: true,
      backupFile: path.basename(backup.filePath),
      removed: [],
      rows: totalRows(backup),
    });
    expect(await readdir(dir)).toEqual(["drills.jsonl"]);
  });

  it("npm run backup:drill prints each backup the retention policy removed, as npm run backup does", async () => {
    const dir = path.join(workDir, "drill-cli");
    await mkdir(dir);
    // An earlier backup of today: with one kept per day, the drill's own backup replaces it.
    const today = new Date().toISOString().slice(0, 10).replaceAll("-", "");
    const earlier = `shipshape-${today}T000000Z`;
    await writeFile(path.join(dir, `${earlier}.dump.age`), "");
    await writeFile(path.join(dir, `${earlier}.manifest.json`), "{}");
    // On the restore host: the identity file named by --identity, as `age -i` takes it.
    const keyFile = path.join(workDir, "drill-key.txt");
    await writeFile(keyFile, `${IDENTITY}\n`, { mode: 0o600 });
    const drilled = await run(
      process.execPath,
      [
        "node_modules/tsx/dist/cli.mjs",
        "--conditions=react-server",
        "scripts/backup-drill.ts",
        "--identity",
        keyFile,
      ],
      { env: { ...process.env, BACKUP_DIR: dir, BACKUP_RECIPIENTS: RECIPIENT, DATABASE_URL: source.url } },
    );
    expect(drilled.stdout).toMatch(/^drill ok: /m);
    expect(drilled.stdout).toMatch(new RegExp(`^retention: removed ${earlier}\\.dump\\.age$`, "m"));
    expect(existsSync(path.join(dir, `${earlier}.dump.age`))).toBe(false);
    const record = await latestDrill(dir);
    expect(record?.removed).toEqual([`${earlier}.dump.age`]);
    // A CLI start (tsx compiles the drill, which loads lib/privacy for the deletion ledger).
  }, 90_000);

  it("fails the drill when a table changed between restore and comparison, and records why", async () => {
    const dir = path.join(workDir, "drill-tampered");
    let scratch = "";
    const record = await runDrill({
      databaseUrl: source.url,
      config: restoreHostConfig(dir),
      beforeCompare: async (url) => {
        scratch = url;
        await runSql(url, `UPDATE "User" SET name = 'tampered' WHERE email = 'member@backup.test'`);
        await runSql(url, `DELETE FROM "Project" WHERE name = 'Project 7'`);
      },
    });
    expect(record.ok).toBe(false);
    expect(record.mismatches.map((m) => [m.table, m.problem]).sort()).toEqual([
      ["Project", "rows"],
      ["User", "content"],
    ]);
    expect(record.problems).toContain("table Project: 2000 rows in the backup, 1999 after restore");
    expect(scratch).toContain(record.scratchDatabase);
    expect(await latestDrill(dir)).toEqual(record);
    const { rows } = await runSql(
      source.url,
      `SELECT 1 FROM pg_database WHERE datname = '${record.scratchDatabase}'`,
    );
    expect(rows).toEqual([]);
  });

  it("applies the retention policy after a backup: old files and their manifests are deleted", async () => {
    const dir = path.join(workDir, "retention");
    await mkdir(dir);
    // Format-1 files from before age are subject to the same policy.
    const old = ["20200101T020000Z", "20200102T020000Z", "20200103T020000Z"];
    for (const stamp of old) {
      await writeFile(path.join(dir, `shipshape-${stamp}.dump.enc`), "");
      await writeFile(path.join(dir, `shipshape-${stamp}.manifest.json`), "{}");
    }
    await writeFile(path.join(dir, "notes.txt"), "not a backup");
    const result = await createBackup({
      databaseUrl: source.url,
      config: configFor(dir, { BACKUP_KEEP_DAILY: "2", BACKUP_KEEP_WEEKLY: "0" }),
    });
    expect(result.removed.sort()).toEqual([
      "shipshape-20200101T020000Z.dump.enc",
      "shipshape-20200102T020000Z.dump.enc",
    ]);
    expect((await readdir(dir)).sort()).toEqual(
      [
        "notes.txt",
        "shipshape-20200103T020000Z.dump.enc",
        "shipshape-20200103T020000Z.manifest.json",
        path.basename(result.filePath),
        path.basename(result.manifestPath),
      ].sort(),
    );
  });

  it("npm run backup and npm run restore: summary lines and exit codes", async () => {
    const dir = path.join(workDir, "cli");
    // The commands in package.json: tsx with the react-server condition.
    const cli = (script: string, args: string[], env: Record<string, string | undefined>) =>
      run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", script, ...args], {
        env: { ...process.env, BACKUP_DIR: dir, BACKUP_RECIPIENTS: RECIPIENT, ...env },
      });

    const backedUp = await cli("scripts/backup.ts", [], { DATABASE_URL: source.url });
    const summary =
      /^backup ok: (\S+\.dump\.age) [\d.]+ (B|KiB|MiB) (\d+) tables (\d+) rows in [\d.]+s$/m.exec(
        backedUp.stdout,
      );
    expect(summary, backedUp.stdout).not.toBeNull();
    const [, file, , tables, rows] = summary ?? [];
    expect(existsSync(file ?? "")).toBe(true);
    expect(Number(tables)).toBe(Object.keys(backup.manifest.tables).length);
    expect(Number(rows)).toBe(totalRows(backup));

    // The app server's environment (recipients only) cannot restore; the restore host's can.
    await expect(cli("scripts/restore.ts", [file ?? "", "--target", target.url], {})).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(
        "restore failed: cannot decrypt: no identity is configured on this host",
      ),
    });
    expect(await tablesOf(target.url)).toEqual([]);
    const restored = await cli("scripts/restore.ts", [file ?? "", "--target", target.url], {
      BACKUP_IDENTITY: IDENTITY,
    });
    expect(restored.stdout).toMatch(/^restore ok: \d+ tables, \d+ rows, migration \S+/m);
    expect(restored.stdout).not.toMatch(/format 1/);
    await expect(
      cli("scripts/backup.ts", [], { DATABASE_URL: source.url, BACKUP_RECIPIENTS: "" }),
    ).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("backup failed: BACKUP_RECIPIENTS is not set"),
    });
    // Three CLI starts (tsx compiles each; restore also loads lib/privacy for the deletion ledger).
  }, 120_000);

  it("leaves the job queue (pg-boss's schema) out, and a forced restore drops the target's queue", async () => {
    const queueSchema = async (url: string) =>
      (await runSql(url, "SELECT to_regnamespace('pgboss') IS NOT NULL AS present")).rows[0]?.present;
    const withQueuedJob = async (url: string) => {
      const boss = new PgBoss({ connectionString: url, max: 1, supervise: false, schedule: false });
      boss.on("error", () => {});
      await boss.start();
      await boss.createQueue("mail-send");
      await boss.send("mail-send", { to: "someone@backup.test" });
      await boss.stop({ graceful: false, wait: true });
    };
    await withQueuedJob(source.url);
    const queueDir = path.join(workDir, "queue");
    const withQueue = await createBackup({ databaseUrl: source.url, config: configFor(queueDir) });
    expect(Object.keys(withQueue.manifest.tables).sort()).toEqual((await tablesOf(source.url)).sort());

    const { verification } = await restoreBackup({
      input: withQueue.filePath,
      targetUrl: target.url,
      keys: KEYS,
    });
    expect(verification.ok).toBe(true);
    expect(await queueSchema(target.url)).toBe(false);

    await withQueuedJob(target.url);
    const forced = await restoreBackup({
      input: withQueue.filePath,
      targetUrl: target.url,
      keys: KEYS,
      force: true,
    });
    expect(forced.verification.ok).toBe(true);
    expect(await queueSchema(target.url)).toBe(false);
    expect((await runDrill({ databaseUrl: source.url, config: restoreHostConfig(queueDir) })).ok).toBe(true);
  });
});
