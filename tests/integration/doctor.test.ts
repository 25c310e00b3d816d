// The doctor (lib/doctor) against real parts: a scratch PostgreSQL database migrated like production,
// Redis, a fake build folder, backup files, a local S3 (tests/support/fake-s3.ts, the real AWS SDK
// talking to it) holding the restore host's drill log, and a local HTTP server standing in for the
// deployment.
// One configuration passes every check; then each check is shown failing for one reason.
import { randomBytes, randomUUID } from "node:crypto";
import { appendFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { recordAuditEvent } from "@/lib/audit";
import { applyRetention, readBackupConfig, uploadDrillLog } from "@/lib/backup";
import { createPrismaClient, type PrismaClient } from "@/lib/db";
import {
  CHECKS,
  type CheckResult,
  type DoctorOptions,
  exitCodeOf,
  formatReport,
  runDoctor,
} from "@/lib/doctor";
import { startJobWorker } from "@/lib/jobs/worker";
import { buildContentSecurityPolicy, staticSecurityHeaders } from "@/lib/security";
import { applyMigrations } from "@/tools/db/apply-migrations";
import { scanEndpointsAndPages } from "@/tools/route-coverage";
import { createScratchDatabase, runSql, type ScratchDatabase } from "../support/db";
import { type FakeS3, startFakeS3 } from "../support/fake-s3";
import { pingRedis, requireService } from "../support/services";

const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const redisUp = await requireService(`Redis at ${REDIS_URL}`, () => pingRedis(REDIS_URL));

const HOUR_MS = 60 * 60 * 1000;
const ROOT = process.cwd();
const AUTH_SECRET = randomBytes(32).toString("base64");
const BACKUP_KEY = randomBytes(32).toString("base64");
const BACKUP_IDENTITY = await generateIdentity();
const BACKUP_RECIPIENT = await identityToRecipient(BACKUP_IDENTITY);

let database: ScratchDatabase;
let db: PrismaClient;
let workDir: string;
let deployment: Server;
let deploymentUrl: string;
let s3: FakeS3;
const S3_KEY_ID = "AKIADOCTORTEST";
const S3_SECRET = randomBytes(30).toString("base64");
/** What the stand-in deployment answers: tests change it. */
let answer: { status: number; headers: Record<string, string> };

const goodHeaders = (): Record<string, string> => ({
  ...Object.fromEntries(staticSecurityHeaders(true).map(({ key, value }) => [key, value])),
  "Content-Security-Policy": buildContentSecurityPolicy({
    nonce: "bm9uY2U=",
    isDevelopment: false,
    isHttps: true,
  }),
});

function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replaceAll(/[-:]/g, "");
}

/**
 * A backup file and its manifest in `dir`, as `npm run backup` names and writes them: an age file, or
 * with `format1`, one in the format from before age.
 */
async function writeBackup(
  dir: string,
  at: Date,
  options: { manifest?: boolean; format1?: boolean } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = `shipshape-${stamp(at)}.dump.${options.format1 ? "enc" : "age"}`;
  await writeFile(path.join(dir, file), options.format1 ? "SHIPBKUP" : "age-encryption.org/v1\n");
  if (options.manifest === false) return;
  const manifest = {
    manifestVersion: options.format1 ? 1 : 2,
    file,
    createdAt: at.toISOString(),
    durationMs: 1000,
    encrypted: { bytes: 8, sha256: "0".repeat(64) },
    dumpBytes: 8,
    encryption: options.format1
      ? { cipher: "AES-256-GCM", formatVersion: 1, keyId: "k1", chunkBytes: 65536 }
      : { format: "age-encryption.org/v1", recipients: [BACKUP_RECIPIENT], passphrase: false },
    database: { name: "app", serverVersion: "15.0", schemaVersion: "x" },
    tables: { User: { rows: 1, contentHash: "h" } },
    tools: { pgDump: "pg_dump (PostgreSQL) 15.0", node: process.version, shipshape: "shipshape@0.1.0" },
  };
  await writeFile(path.join(dir, `shipshape-${stamp(at)}.manifest.json`), JSON.stringify(manifest));
}

async function writeDrill(dir: string, at: Date, ok: boolean): Promise<void> {
  await mkdir(dir, { recursive: true });
  const record = {
    time: at.toISOString(),
    durationMs: 1,
    ok,
    backupFile: null,
    scratchDatabase: "x",
    tables: 9,
    rows: 42,
    schemaVersion: null,
    mismatches: [],
    problems: ok ? [] : ["table User: 1 rows in the backup, 0 after restore"],
  };
  await appendFile(path.join(dir, "drills.jsonl"), `${JSON.stringify(record)}\n`);
}

/** A fresh folder set: build, public files, backups. */
async function folders(label: string) {
  const base = path.join(workDir, `${label}-${randomUUID().slice(0, 8)}`);
  const nextDir = path.join(base, ".next");
  const publicDir = path.join(base, "public");
  const backupDir = path.join(base, "backups");
  await mkdir(path.join(nextDir, "static", "chunks"), { recursive: true });
  await mkdir(path.join(nextDir, "server", "app"), { recursive: true });
  await mkdir(publicDir, { recursive: true });
  await writeFile(path.join(nextDir, "static", "chunks", "main.js"), 'console.log("hello");');
  await writeFile(path.join(nextDir, "server", "app", "index.html"), "<html><body>Shipshape</body></html>");
  await writeFile(path.join(publicDir, "robots.txt"), "User-agent: *\n");
  await writeBackup(backupDir, new Date(Date.now() - HOUR_MS));
  await writeDrill(backupDir, new Date(Date.now() - 3 * 24 * HOUR_MS), true);
  return { base, nextDir, publicDir, backupDir };
}

/** A configuration that passes every check; tests break one thing at a time. */
async function passingOptions(
  label: string,
): Promise<DoctorOptions & { env: Record<string, string | undefined> }> {
  const dirs = await folders(label);
  const options = {
    root: ROOT,
    nextDir: dirs.nextDir,
    publicDir: dirs.publicDir,
    url: deploymentUrl,
    scanEndpoints: scanEndpointsAndPages,
    env: {
      DATABASE_URL: database.url,
      APP_URL: "https://app.example.com",
      AUTH_SECRET,
      AUTH_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString("base64")}`,
      AUDIT_PSEUDONYM_KEY: randomBytes(32).toString("base64"),
      SMTP_URL: "smtps://user:password@smtp.example.com:465",
      MAIL_FROM: "Shipshape <no-reply@example.com>",
      REDIS_URL,
      TRUSTED_PROXY_COUNT: "1",
      SENTRY_DSN: "https://public@o1.ingest.sentry.io/1",
      NEXT_PUBLIC_SENTRY_DSN: "https://public@o1.ingest.sentry.io/1",
      BACKUP_RECIPIENTS: BACKUP_RECIPIENT,
      BACKUP_DIR: dirs.backupDir,
      BACKUP_S3_BUCKET: "acme-backups",
      BACKUP_S3_REGION: "auto",
      BACKUP_S3_ENDPOINT: s3.url,
      BACKUP_S3_FORCE_PATH_STYLE: "true",
      BACKUP_S3_ACCESS_KEY_ID: S3_KEY_ID,
      BACKUP_S3_SECRET_ACCESS_KEY: S3_SECRET,
      STRIPE_SECRET_KEY: `sk_live_${randomBytes(12).toString("hex")}`,
      NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY: `pk_live_${randomBytes(12).toString("hex")}`,
      STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(12).toString("hex")}`,
      STRIPE_PRICE_PRO: "price_1Pro",
      STRIPE_PRICE_BUSINESS: "price_1Business",
    },
  };
  // As the restore host does after its drill: the bucket holds the drill log the doctor reads.
  const { upload } = readBackupConfig(options.env);
  if (upload) await uploadDrillLog(dirs.backupDir, upload);
  return options;
}

async function runOne(id: string, options: DoctorOptions): Promise<CheckResult> {
  const check = CHECKS.find((candidate) => candidate.id === id);
  if (!check) throw new Error(`no check ${id}`);
  const [result] = await runDoctor(options, [check]);
  if (!result) throw new Error("no result");
  return result;
}

/** Marks the job worker as seen: a real worker starts on the scratch database and stops. */
async function startAndStopWorker(url: string): Promise<void> {
  const worker = await startJobWorker({ databaseUrl: url, definitions: [], poolMax: 1 });
  try {
    await vi.waitFor(
      async () => {
        const { rows } = await runSql(url, "SELECT cron_on FROM pgboss.version");
        expect(rows[0]?.cron_on).toBeTruthy();
      },
      { timeout: 15_000, interval: 200 },
    );
  } finally {
    await worker.stop({ timeoutMs: 1_000 });
  }
}

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), "shipshape-doctor-"));
  s3 = await startFakeS3({ buckets: ["acme-backups"], accessKeyId: S3_KEY_ID, secretAccessKey: S3_SECRET });
  database = await createScratchDatabase();
  await applyMigrations({ databaseUrl: database.url });
  db = createPrismaClient({ DATABASE_URL: database.url, DATABASE_POOL_MAX: 2 });
  const admin = await db.user.create({
    data: { email: `admin-${randomUUID()}@example.com`, isPlatformAdmin: true, mfaEnabledAt: new Date() },
  });
  await recordAuditEvent({ action: "admin.user.disabled", actor: { type: "USER", id: admin.id } }, db);
  await startAndStopWorker(database.url);

  answer = { status: 200, headers: goodHeaders() };
  deployment = createServer((request, response) => {
    response.writeHead(request.url === "/api/ready" ? answer.status : 200, answer.headers).end("{}");
  });
  await new Promise<void>((resolve) => deployment.listen(0, "127.0.0.1", resolve));
  deploymentUrl = `http://127.0.0.1:${(deployment.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  deployment?.close();
  await s3?.close();
  await db?.$disconnect();
  await database?.drop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe.skipIf(!redisUp)("npm run doctor", () => {
  it("passes a production-ready configuration on every check, and says GO", async () => {
    const results = await runDoctor(await passingOptions("passing"));
    expect(results.filter((result) => result.status !== "pass")).toEqual([]);
    expect(results.map((result) => result.id)).toEqual(CHECKS.map((check) => check.id));
    expect(exitCodeOf(results)).toBe(0);
    const report = formatReport(results);
    expect(report).toMatch(/^PASS {2}secrets\.browser-files/m);
    expect(report).toMatch(/GO: 20 pass, 0 warn, 0 fail$/);
  }, 120_000);

  it("never prints a secret's value, only the variable's name", async () => {
    const options = await passingOptions("leak");
    await writeFile(
      path.join(options.nextDir as string, "static", "chunks", "leak.js"),
      `const k = "${AUTH_SECRET}";`,
    );
    const results = await runDoctor(
      options,
      CHECKS.filter((check) => check.id === "secrets.browser-files"),
    );
    const report = formatReport(results);
    expect(report).toContain("holds the value of AUTH_SECRET");
    expect(report).not.toContain(AUTH_SECRET);
    expect(exitCodeOf(results)).toBe(1);
  });

  describe("fails each check for what it looks for", () => {
    it("secrets.browser-files: a secret key shape in a public file, or no build at all", async () => {
      const options = await passingOptions("shape");
      await writeFile(
        path.join(options.publicDir as string, "config.js"),
        `stripe("sk_test_${"a".repeat(24)}")`,
      );
      expect(await runOne("secrets.browser-files", options)).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(/public\/config\.js holds a Stripe secret key/),
      });
      const noBuild = await runOne("secrets.browser-files", {
        ...options,
        nextDir: path.join(workDir, "none"),
      });
      expect(noBuild).toMatchObject({ status: "fail", reason: expect.stringMatching(/no production build/) });
    });

    it("secrets.browser-files: a server DSN that is also the public one is not a leak", async () => {
      const options = await passingOptions("public-dsn");
      await writeFile(
        path.join(options.nextDir as string, "static", "chunks", "sentry.js"),
        options.env.NEXT_PUBLIC_SENTRY_DSN ?? "",
      );
      expect(await runOne("secrets.browser-files", options)).toMatchObject({ status: "pass" });
    });

    it("env.production: a variable production needs", async () => {
      const options = await passingOptions("env");
      const result = await runOne("env.production", {
        ...options,
        env: { ...options.env, SMTP_URL: undefined },
      });
      expect(result).toMatchObject({ status: "fail", reason: expect.stringContaining("SMTP_URL") });
      expect(result.fix).toMatch(/SMTP_URL: is required in production/);
      // The audit pseudonym key (decision 0040): unset, or the public development one, is a NO-GO.
      for (const key of [undefined, "shipshape-development-audit-pseudonym-key-NOT-A-SECRET"]) {
        expect(
          await runOne("env.production", { ...options, env: { ...options.env, AUDIT_PSEUDONYM_KEY: key } }),
        ).toMatchObject({ status: "fail", reason: expect.stringContaining("AUDIT_PSEUDONYM_KEY") });
      }
    });

    it("env.test-keys: a test-mode Stripe key (a warning when staging allows it), and test routes", async () => {
      const options = await passingOptions("test-keys");
      const testKey = { ...options.env, STRIPE_SECRET_KEY: `sk_test_${"b".repeat(24)}` };
      expect(await runOne("env.test-keys", { ...options, env: testKey })).toMatchObject({
        status: "fail",
        reason: expect.stringContaining("STRIPE_SECRET_KEY"),
      });
      expect(
        await runOne("env.test-keys", {
          ...options,
          env: { ...testKey, ALLOW_TEST_KEYS_IN_PRODUCTION: "true" },
        }),
      ).toMatchObject({ status: "warn" });
      expect(
        await runOne("env.test-keys", { ...options, env: { ...options.env, ENABLE_TEST_ROUTES: "true" } }),
      ).toMatchObject({ status: "fail", reason: expect.stringContaining("ENABLE_TEST_ROUTES") });
    });

    it("authz.routes: an unwrapped endpoint, a page without a gate", async () => {
      const options = await passingOptions("routes");
      const root = path.resolve("tests/fixtures/route-coverage");
      const problems = (await scanEndpointsAndPages(root)).filter((entry) => entry.problem !== null);
      // The fixture's six endpoint mistakes and three ungated pages.
      expect(problems.filter((entry) => entry.exportName === "(page)")).toHaveLength(3);
      const result = await runOne("authz.routes", { ...options, root });
      expect(result).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(new RegExp(`^${problems.length} endpoint\\(s\\) or page\\(s\\): `)),
      });
      const pagesOnly = await runOne("authz.routes", {
        ...options,
        root,
        scanEndpoints: async (at) =>
          (await scanEndpointsAndPages(at)).filter((entry) => entry.exportName === "(page)"),
      });
      expect(pagesOnly).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(
          /^3 endpoint\(s\) or page\(s\): app\/\(app\)\/commented\/page\.tsx \(page\): calls no page gate/,
        ),
      });
    });

    it("authz.permissions-doc: a stale docs/PERMISSIONS.md", async () => {
      const options = await passingOptions("docs");
      const root = path.join(workDir, `stale-${randomUUID().slice(0, 8)}`);
      await mkdir(path.join(root, "docs"), { recursive: true });
      await writeFile(path.join(root, "docs", "PERMISSIONS.md"), "# Permissions\n\n(old)\n");
      expect(await runOne("authz.permissions-doc", { ...options, root })).toMatchObject({
        status: "fail",
        fix: expect.stringContaining("npm run authz:docs"),
      });
    });

    it("ratelimit.shared-store: no shared store, an unreachable Redis; memory allowed is a warning", async () => {
      const options = await passingOptions("ratelimit");
      expect(
        await runOne("ratelimit.shared-store", { ...options, env: { ...options.env, REDIS_URL: undefined } }),
      ).toMatchObject({
        status: "fail",
      });
      expect(
        await runOne("ratelimit.shared-store", {
          ...options,
          env: { ...options.env, REDIS_URL: "redis://127.0.0.1:1" },
        }),
      ).toMatchObject({ status: "fail", reason: expect.stringMatching(/does not answer/) });
      expect(
        await runOne("ratelimit.shared-store", {
          ...options,
          env: { ...options.env, REDIS_URL: undefined, RATE_LIMIT_ALLOW_MEMORY: "true" },
        }),
      ).toMatchObject({ status: "warn" });
    });

    it("monitoring.sentry: no DSN", async () => {
      const options = await passingOptions("sentry");
      expect(
        await runOne("monitoring.sentry", { ...options, env: { ...options.env, SENTRY_DSN: undefined } }),
      ).toMatchObject({
        status: "fail",
      });
    });

    it("monitoring.ready: the deployment's /api/ready answers 503", async () => {
      const options = await passingOptions("ready");
      answer = { status: 503, headers: goodHeaders() };
      try {
        expect(await runOne("monitoring.ready", options)).toMatchObject({
          status: "fail",
          reason: expect.stringMatching(/answers 503/),
        });
      } finally {
        answer = { status: 200, headers: goodHeaders() };
      }
    });

    it("backups.recent: the newest backup is 27 hours old, or has no manifest, or there is no key", async () => {
      const options = await passingOptions("old-backup");
      const dir = path.join(workDir, `old-${randomUUID().slice(0, 8)}`);
      await writeBackup(dir, new Date(Date.now() - 27 * HOUR_MS));
      expect(
        await runOne("backups.recent", { ...options, env: { ...options.env, BACKUP_DIR: dir } }),
      ).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(/is 27 h old/),
      });
      await writeBackup(dir, new Date(Date.now() - HOUR_MS), { manifest: false });
      expect(
        await runOne("backups.recent", { ...options, env: { ...options.env, BACKUP_DIR: dir } }),
      ).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(/cannot be restored: .*manifest .* is missing/),
      });
      expect(
        await runOne("backups.recent", {
          ...options,
          env: { ...options.env, BACKUP_RECIPIENTS: undefined },
        }),
      ).toMatchObject({ status: "fail", reason: expect.stringMatching(/BACKUP_RECIPIENTS is not set/) });
    });

    it("backups.encryption: only format 1's key fails saying how to migrate; a decrypting key on the server warns", async () => {
      const options = await passingOptions("encryption");
      expect(await runOne("backups.encryption", options)).toMatchObject({
        status: "pass",
        reason: "encrypted to 1 age recipient; no key that decrypts them is set here",
      });
      const legacy = await runOne("backups.encryption", {
        ...options,
        env: { ...options.env, BACKUP_RECIPIENTS: undefined, BACKUP_ENCRYPTION_KEY: BACKUP_KEY },
      });
      expect(legacy).toMatchObject({
        status: "fail",
        reason: "BACKUP_ENCRYPTION_KEY is set, BACKUP_RECIPIENTS is not",
        fix: expect.stringMatching(
          /age-keygen -o backup-identity\.txt.*set BACKUP_RECIPIENTS.*move BACKUP_ENCRYPTION_KEY/,
        ),
      });
      expect(JSON.stringify(legacy)).not.toContain(BACKUP_KEY);
      const identityHere = await runOne("backups.encryption", {
        ...options,
        env: { ...options.env, BACKUP_IDENTITY: BACKUP_IDENTITY, BACKUP_ENCRYPTION_KEY: BACKUP_KEY },
      });
      expect(identityHere).toMatchObject({
        status: "warn",
        reason: expect.stringMatching(
          /^BACKUP_IDENTITY, BACKUP_ENCRYPTION_KEY\(S\) are set here: this server can decrypt/,
        ),
      });
      expect(JSON.stringify(identityHere)).not.toContain(BACKUP_IDENTITY);
      expect(
        await runOne("backups.encryption", {
          ...options,
          env: {
            ...options.env,
            BACKUP_RECIPIENTS: undefined,
            BACKUP_PASSPHRASE: "a long shared passphrase",
          },
        }),
      ).toMatchObject({
        status: "warn",
        reason: expect.stringMatching(/BACKUP_PASSPHRASE, which this server holds/),
      });
    });

    it("backups.format: warns while a kept backup is in format 1, passes once retention removed it", async () => {
      const options = await passingOptions("format");
      const dir = path.join(workDir, `format-${randomUUID().slice(0, 8)}`);
      const env = { ...options.env, BACKUP_DIR: dir };
      await writeBackup(dir, new Date(Date.now() - 8 * 24 * HOUR_MS), { format1: true });
      await writeBackup(dir, new Date(Date.now() - HOUR_MS));
      const warned = await runOne("backups.format", { ...options, env });
      expect(warned).toMatchObject({
        status: "warn",
        reason: expect.stringMatching(
          /^1 kept backup is in format 1 \(shipshape-\S+\.dump\.enc\): restoring it needs BACKUP_ENCRYPTION_KEY$/,
        ),
      });
      expect(exitCodeOf([warned])).toBe(0);
      // The retention of the next backup removes it (one day kept, no weeks).
      await applyRetention(dir, { keepDaily: 1, keepWeekly: 0 });
      expect(await runOne("backups.format", { ...options, env })).toMatchObject({ status: "pass" });
    });

    it("backups.drill without a bucket reads BACKUP_DIR: the last passing drill is 31 days old; a failed latest drill is a warning", async () => {
      const options = await passingOptions("drill");
      const dir = path.join(workDir, `drills-${randomUUID().slice(0, 8)}`);
      await writeDrill(dir, new Date(Date.now() - 31 * 24 * HOUR_MS), true);
      const env: Record<string, string | undefined> = { ...options.env, BACKUP_DIR: dir };
      for (const name of Object.keys(env)) if (name.startsWith("BACKUP_S3_")) delete env[name];
      const requestsBefore = s3.requests().length;
      expect(await runOne("backups.drill", { ...options, env })).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(/31 days old/),
      });
      await writeDrill(dir, new Date(Date.now() - 2 * 24 * HOUR_MS), true);
      await writeDrill(dir, new Date(Date.now() - HOUR_MS), false);
      expect(await runOne("backups.drill", { ...options, env })).toMatchObject({
        status: "warn",
        reason: expect.stringMatching(
          new RegExp(`the latest failed \\(read ${path.join(dir, "drills.jsonl")}\\): table User`),
        ),
      });
      expect(s3.requests().length).toBe(requestsBefore);
    });

    it("backups.offsite: no bucket is a warning; a bucket without its key fails naming what is missing", async () => {
      const options = await passingOptions("offsite");
      expect(await runOne("backups.offsite", options)).toMatchObject({
        status: "pass",
        reason: `to s3://acme-backups/shipshape-backups/ (${new URL(s3.url).host}, region auto)`,
      });
      const {
        BACKUP_S3_BUCKET: _bucket,
        BACKUP_S3_REGION: _region,
        BACKUP_S3_ENDPOINT: _endpoint,
        BACKUP_S3_ACCESS_KEY_ID: _id,
        BACKUP_S3_SECRET_ACCESS_KEY: secret,
        ...withoutUpload
      } = options.env;
      const unset = await runOne("backups.offsite", { ...options, env: withoutUpload });
      expect(unset).toMatchObject({
        status: "warn",
        reason: expect.stringMatching(/BACKUP_S3_BUCKET is not set: backups stay on this server/),
      });
      expect(exitCodeOf([unset])).toBe(0);
      const half = await runOne("backups.offsite", {
        ...options,
        env: { ...options.env, BACKUP_S3_SECRET_ACCESS_KEY: undefined },
      });
      expect(half).toMatchObject({
        status: "fail",
        reason: expect.stringContaining("BACKUP_S3_SECRET_ACCESS_KEY must be set too"),
      });
      expect(JSON.stringify(half)).not.toContain(secret);
    });

    it("data.migrations: a migration not applied", async () => {
      const options = await passingOptions("migrations");
      const [latest] = (
        await runSql(
          database.url,
          "SELECT migration_name, id FROM _prisma_migrations ORDER BY migration_name DESC LIMIT 1",
        )
      ).rows as { migration_name: string; id: string }[];
      await runSql(
        database.url,
        `UPDATE _prisma_migrations SET rolled_back_at = now() WHERE id = '${latest?.id}'`,
      );
      try {
        expect(await runOne("data.migrations", options)).toMatchObject({
          status: "fail",
          reason: `1 not applied: ${latest?.migration_name}`,
        });
      } finally {
        await runSql(
          database.url,
          `UPDATE _prisma_migrations SET rolled_back_at = NULL WHERE id = '${latest?.id}'`,
        );
      }
    });

    it("data.drift: a column added to the live database by hand", async () => {
      const options = await passingOptions("drift");
      await runSql(database.url, 'ALTER TABLE "Project" ADD COLUMN "handMade" text');
      try {
        expect(await runOne("data.drift", options)).toMatchObject({
          status: "fail",
          reason: expect.stringMatching(
            /the live database differs: ALTER TABLE "Project" DROP COLUMN "handMade"/,
          ),
        });
      } finally {
        await runSql(database.url, 'ALTER TABLE "Project" DROP COLUMN "handMade"');
      }
    }, 60_000);

    it("data.audit-chains: an audit event edited behind the trigger's back", async () => {
      const options = await passingOptions("audit");
      const orgId = randomUUID();
      await recordAuditEvent(
        { action: "org.renamed", actor: { type: "SYSTEM", id: "doctor-test" }, orgId },
        db,
      );
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
        await tx.$executeRawUnsafe(
          `UPDATE "AuditEvent" SET action = 'org.deleted' WHERE chain = $1`,
          `org:${orgId}`,
        );
      });
      expect(await runOne("data.audit-chains", options)).toMatchObject({
        status: "fail",
        reason: expect.stringContaining(`org:${orgId} at seq 1`),
      });
      await db.$transaction(async (tx) => {
        await tx.$executeRawUnsafe("SET LOCAL session_replication_role = replica");
        await tx.$executeRawUnsafe(
          `UPDATE "AuditEvent" SET action = 'org.renamed' WHERE chain = $1`,
          `org:${orgId}`,
        );
      });
    });

    it("admins.mfa: a platform admin without MFA, named by a masked address", async () => {
      const options = await passingOptions("admins");
      const admin = await db.user.create({
        data: { email: `zed-${randomUUID()}@example.com`, isPlatformAdmin: true },
      });
      try {
        const result = await runOne("admins.mfa", options);
        expect(result).toMatchObject({
          status: "fail",
          reason: expect.stringMatching(/1 of 2 platform admin\(s\) without MFA: z…@example\.com/),
        });
        expect(result.reason).not.toContain(admin.email);
      } finally {
        await db.user.delete({ where: { id: admin.id } });
      }
    });

    it("billing.config: billing on without its webhook secret or prices", async () => {
      const options = await passingOptions("billing");
      const result = await runOne("billing.config", {
        ...options,
        env: { ...options.env, STRIPE_WEBHOOK_SECRET: undefined, STRIPE_PRICE_BUSINESS: undefined },
      });
      expect(result).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(/STRIPE_WEBHOOK_SECRET: .*STRIPE_PRICE_BUSINESS: /),
      });
    });

    it("jobs.worker: no worker seen for ten minutes, or never on this database", async () => {
      const options = await passingOptions("worker");
      expect(
        await runOne("jobs.worker", { ...options, now: new Date(Date.now() + 10 * 60 * 1000) }),
      ).toMatchObject({
        status: "fail",
        reason: expect.stringMatching(/^no worker seen for \d+ min$/),
      });
      const empty = await createScratchDatabase();
      try {
        expect(
          await runOne("jobs.worker", { ...options, env: { ...options.env, DATABASE_URL: empty.url } }),
        ).toMatchObject({
          status: "fail",
          reason: "no worker has ever run on this database",
        });
      } finally {
        await empty.drop();
      }
    });

    it("headers.security: a deployment without a CSP or HSTS; no URL is a warning", async () => {
      const options = await passingOptions("headers");
      const { "Content-Security-Policy": _csp, "Strict-Transport-Security": _hsts, ...rest } = goodHeaders();
      answer = { status: 200, headers: { ...rest, "X-Powered-By": "Next.js" } };
      try {
        expect(await runOne("headers.security", options)).toMatchObject({
          status: "fail",
          reason: expect.stringMatching(
            /no Content-Security-Policy, Strict-Transport-Security missing .*X-Powered-By/,
          ),
        });
      } finally {
        answer = { status: 200, headers: goodHeaders() };
      }
      expect(await runOne("headers.security", { ...options, url: undefined })).toMatchObject({
        status: "warn",
      });
    });
  });

  it("reports a check that cannot run (the database is down) as a FAIL, and carries on", async () => {
    const options = await passingOptions("down");
    const env = { ...options.env, DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nothing" };
    const results = await runDoctor(
      { ...options, env },
      CHECKS.filter((check) => ["admins.mfa", "monitoring.sentry"].includes(check.id)),
    );
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ["monitoring.sentry", "pass"],
      ["admins.mfa", "fail"],
    ]);
    expect(results[1]?.reason).toMatch(/^the check could not run: /);
  });
});
