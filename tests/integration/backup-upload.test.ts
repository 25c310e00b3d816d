// The off-site upload of `npm run backup` (BACKUP_S3_*), on the real PostgreSQL, with the real AWS SDK
// talking to a local fake S3 (tests/support/fake-s3.ts): what reaches the bucket, in what order,
// signed with which key, and what a failing bucket does to the command and the local copy. Also the
// other two objects beside the backups: the deletion ledger (uploaded with each backup) and the drill
// log (uploaded by the restore host's drill, read back by the app server's `npm run doctor`).

import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { createBackup, readBackupConfig, readManifest, runDrill, verifyChecksum } from "@/lib/backup";
import { CHECKS, type CheckResult, runDoctor } from "@/lib/doctor";
import { applyMigrations } from "@/tools/db/apply-migrations";
import { createScratchDatabase, runSql, type ScratchDatabase } from "../support/db";
import { type FakeS3, startFakeS3 } from "../support/fake-s3";
import { requirePgDump } from "../support/services";

const run = promisify(execFile);
const testDatabase = inject("testDatabase");

// pg_dump refuses the embedded PGlite (PostgreSQL 18): there the tests skip, saying why.
const toolsPresent = await requirePgDump(testDatabase);

// The app server's key: public, so nothing here can decrypt what it uploads. The identity is the
// restore host's, for the drill.
const IDENTITY = await generateIdentity();
const RECIPIENT = await identityToRecipient(IDENTITY);
const BUCKET = "shipshape-test-backups";
const ACCESS_KEY_ID = "AKIASHIPSHAPETEST001";
const SECRET = randomBytes(30).toString("base64");
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

let source: ScratchDatabase;
/** A migrated database (the drill's restore re-applies the deletion ledger, which needs the app's tables). */
let app: ScratchDatabase;
let s3: FakeS3;
let workDir: string;

/** The environment `npm run backup` gets in a deployment that uploads to the fake. */
function s3Env(dir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    BACKUP_DIR: dir,
    BACKUP_RECIPIENTS: RECIPIENT,
    BACKUP_S3_BUCKET: BUCKET,
    BACKUP_S3_REGION: "eu-central-1",
    BACKUP_S3_ENDPOINT: s3.url,
    BACKUP_S3_FORCE_PATH_STYLE: "true",
    BACKUP_S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
    BACKUP_S3_SECRET_ACCESS_KEY: SECRET,
    ...env,
  };
}

/** `npm run backup` as package.json runs it (tsx with the react-server condition). */
const backupCli = (env: Record<string, string>) =>
  run(process.execPath, ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/backup.ts"], {
    env: { ...process.env, DATABASE_URL: source.url, ...env },
  });

const newRequests = (since: number) => s3.requests().slice(since);

/** The app server's `npm run doctor`, its backups.drill check alone. */
async function drillCheck(env: Record<string, string>): Promise<CheckResult> {
  const check = CHECKS.filter((candidate) => candidate.id === "backups.drill");
  const [result] = await runDoctor({ root: process.cwd(), env }, check);
  if (!result) throw new Error("no result");
  return result;
}

describe.skipIf(!toolsPresent)("backup upload to an S3-compatible bucket", () => {
  beforeAll(async () => {
    source = await createScratchDatabase();
    // About 14 MB of random hex: the encrypted dump is over 5 MiB, so lib-storage uploads it in parts.
    await runSql(
      source.url,
      `CREATE TABLE "Blob" (id int PRIMARY KEY, data text NOT NULL);
       INSERT INTO "Blob" SELECT g, (SELECT string_agg(md5(random()::text || g || i), '') FROM generate_series(1, 32) i)
       FROM generate_series(1, 14000) g`,
    );
    app = await createScratchDatabase();
    await applyMigrations({ databaseUrl: app.url });
    s3 = await startFakeS3({ buckets: [BUCKET], accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });
    workDir = await mkdtemp(path.join(tmpdir(), "shipshape-backup-upload-test-"));
  });
  afterAll(async () => {
    await source?.drop();
    await app?.drop();
    await s3?.close();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });
  afterEach(() => {
    s3.fail(null);
  });

  it("uploads the encrypted file, then its manifest, signed with the access key: the bucket holds the local bytes", async () => {
    const dir = path.join(workDir, "ok");
    const before = s3.requests().length;
    const result = await createBackup({ databaseUrl: source.url, config: readBackupConfig(s3Env(dir)) });

    const fileKey = `shipshape-backups/${path.basename(result.filePath)}`;
    const manifestKey = `shipshape-backups/${path.basename(result.manifestPath)}`;
    expect(result.upload).toMatchObject({
      bucket: BUCKET,
      fileKey,
      manifestKey,
      // No account deleted yet: no ledger in BACKUP_DIR, none uploaded.
      ledgerKey: null,
      url: `s3://${BUCKET}/${fileKey}`,
    });
    expect(s3.keys(BUCKET)).toEqual(expect.arrayContaining([fileKey, manifestKey]));
    expect(s3.keys(BUCKET)).not.toContain("shipshape-backups/deletion-ledger.jsonl");

    const local = await readFile(result.filePath);
    const uploaded = s3.object(BUCKET, fileKey);
    expect(local.length).toBeGreaterThan(5 * 1024 * 1024);
    expect(sha256(uploaded?.body ?? Buffer.alloc(0))).toBe(sha256(local));
    expect(sha256(local)).toBe(result.manifest.encrypted.sha256);
    // What left the server is the encrypted format, never pg_dump's plain archive.
    expect(uploaded?.body.subarray(0, 22).toString("ascii")).toBe("age-encryption.org/v1\n");
    expect(uploaded?.body.includes("PGDMP")).toBe(false);
    expect(uploaded?.metadata).toEqual({ sha256: result.manifest.encrypted.sha256 });
    expect(s3.object(BUCKET, manifestKey)?.body.equals(await readFile(result.manifestPath))).toBe(true);

    const requests = newRequests(before);
    // A multipart upload of the file, completed, and only then the manifest.
    expect(requests.map((request) => request.operation)).toEqual([
      "CreateMultipartUpload",
      ...requests.filter((request) => request.operation === "UploadPart").map(() => "UploadPart"),
      "CompleteMultipartUpload",
      "PutObject",
    ]);
    expect(requests.filter((request) => request.operation === "UploadPart").length).toBeGreaterThanOrEqual(2);
    expect(requests.at(-1)?.key).toBe(manifestKey);
    // Every request carried a SigV4 Authorization with the access key id, and the fake, which checks
    // the signature against the secret, accepted it; the secret itself never crossed the wire.
    for (const request of requests) {
      expect(request.authorization).toMatch(
        new RegExp(
          `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/eu-central-1/s3/aws4_request, ?SignedHeaders=`,
        ),
      );
      expect(request.status).toBe(200);
    }
    expect(JSON.stringify(requests)).not.toContain(SECRET);
    expect(s3.openUploads()).toBe(0);
  });

  it("npm run backup: the summary line names the uploaded object; BACKUP_S3_PREFIX picks the folder", async () => {
    const dir = path.join(workDir, "cli");
    const { stdout } = await backupCli(s3Env(dir, { BACKUP_S3_PREFIX: "nightly" }));
    const summary =
      /^backup ok: (\S+\.dump\.age) [\d.]+ (?:KiB|MiB) 1 tables 14000 rows in [\d.]+s, uploaded to s3:\/\/([^/\s]+)\/(\S+) \(\+ manifest\) in [\d.]+s$/m.exec(
        stdout,
      );
    expect(summary, stdout).not.toBeNull();
    const [, file = "", bucket, key = ""] = summary ?? [];
    expect(bucket).toBe(BUCKET);
    expect(key).toBe(`nightly/${path.basename(file)}`);
    expect(sha256(s3.object(BUCKET, key)?.body ?? Buffer.alloc(0))).toBe(sha256(await readFile(file)));
    expect(s3.object(BUCKET, key.replace(/\.dump\.age$/, ".manifest.json"))).toBeDefined();
  });

  it("a bucket answering 500: npm run backup fails saying so, keeps the local backup and deletes nothing", async () => {
    const dir = path.join(workDir, "down");
    await mkdir(dir, { recursive: true });
    // Older backups that retention (1 day) would delete after a successful run.
    const old = ["shipshape-20200101T020000Z.dump.enc", "shipshape-20200101T020000Z.manifest.json"];
    for (const name of old) await writeFile(path.join(dir, name), "");
    const keysBefore = s3.keys(BUCKET);
    s3.fail({
      status: 500,
      code: "InternalError",
      message: "We encountered an internal error. Please try again.",
    });

    const failed = await backupCli(s3Env(dir, { BACKUP_KEEP_DAILY: "1", BACKUP_KEEP_WEEKLY: "0" })).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).not.toContain("backup ok");
    const message =
      /^backup failed: upload to s3:\/\/shipshape-test-backups\/shipshape-backups\/(shipshape-\d{8}T\d{6}\.\d{3}Z\.dump\.age) failed \(HTTP 500 InternalError: We encountered an internal error\. Please try again\.\)\. The storage service is failing: the next backup will try again; or copy the local file there yourself\. The local backup is kept: (\S+)\.$/m.exec(
        failed?.stderr ?? "",
      );
    expect(message, failed?.stderr).not.toBeNull();
    const [, name, kept = ""] = message ?? [];
    expect(path.basename(kept)).toBe(name);
    // The local backup is complete and restorable, and the older ones are still there.
    const manifest = await readManifest(kept.replace(/\.dump\.age$/, ".manifest.json"));
    await expect(verifyChecksum(kept, manifest)).resolves.toBeUndefined();
    expect((await readdir(dir)).sort()).toEqual(
      [...old, name, name?.replace(/\.dump\.age$/, ".manifest.json")].sort(),
    );
    expect(s3.keys(BUCKET)).toEqual(keysBefore);
  });

  it("a key the bucket refuses (403): fails naming the settings to check; a failed part aborts the upload", async () => {
    const dir = path.join(workDir, "denied");
    s3.fail({ status: 403, code: "AccessDenied", message: "Access Denied" });
    const config = readBackupConfig(s3Env(dir));
    await expect(createBackup({ databaseUrl: source.url, config })).rejects.toMatchObject({
      code: "upload",
      message: expect.stringMatching(
        /upload to s3:\/\/\S+\.dump\.age failed \(HTTP 403 AccessDenied: Access Denied\)\. Check BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY, and that this key may write .* The local backup is kept: /,
      ),
    });

    // Refused on the parts only (a policy without multipart rights): the started upload is aborted,
    // so no orphaned parts stay in the bucket (where they would be stored and billed, unseen).
    s3.fail({ status: 403, code: "AccessDenied", message: "Access Denied", only: ["UploadPart"] });
    const before = s3.requests().length;
    await expect(createBackup({ databaseUrl: source.url, config })).rejects.toMatchObject({ code: "upload" });
    expect(newRequests(before).map((request) => request.operation)).toContain("AbortMultipartUpload");
    expect(s3.openUploads()).toBe(0);
    const local = (await readdir(dir)).filter((name) => name.endsWith(".dump.age"));
    expect(local).toHaveLength(2);
    // Both local backups are kept whole: each still matches its manifest.
    for (const name of local) {
      const file = path.join(dir, name);
      const manifest = await readManifest(file.replace(/\.dump\.age$/, ".manifest.json"));
      await expect(verifyChecksum(file, manifest)).resolves.toBeUndefined();
    }
  });

  it("a wrong secret: the signature is refused and the message names the key settings, not the secret", async () => {
    const wrongSecret = randomBytes(30).toString("base64");
    const config = readBackupConfig(
      s3Env(path.join(workDir, "wrong-secret"), { BACKUP_S3_SECRET_ACCESS_KEY: wrongSecret }),
    );
    const failure = await createBackup({ databaseUrl: source.url, config }).catch((error: Error) => error);
    expect(failure).toMatchObject({
      code: "upload",
      message: expect.stringContaining(
        "(HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided. Check your key and signing method.). Check BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY.",
      ),
    });
    expect((failure as Error).message).not.toContain(wrongSecret);
  });

  it("npm run backup uploads the deletion ledger beside the backup, as it is in BACKUP_DIR", async () => {
    const dir = path.join(workDir, "ledger");
    await mkdir(dir, { recursive: true });
    const ledger =
      `${JSON.stringify({ pseudonym: `pseudonym:${"a".repeat(64)}`, deletedAt: "2026-11-02T10:00:00.000Z" })}\n` +
      `${JSON.stringify({ pseudonym: `pseudonym:${"b".repeat(64)}`, deletedAt: "2026-12-01T08:30:00.000Z" })}\n`;
    await writeFile(path.join(dir, "deletion-ledger.jsonl"), ledger);
    const before = s3.requests().length;
    const { stdout } = await backupCli(s3Env(dir, { BACKUP_S3_PREFIX: "with-ledger" }));
    expect(stdout).toMatch(
      /^backup ok: .* uploaded to s3:\/\/shipshape-test-backups\/with-ledger\/\S+\.dump\.age \(\+ manifest, deletion ledger\) in [\d.]+s$/m,
    );
    expect(s3.object(BUCKET, "with-ledger/deletion-ledger.jsonl")?.body.toString("utf8")).toBe(ledger);
    // After the backup's file and manifest: a restore that finds the backup finds a ledger at least as new.
    const puts = newRequests(before).filter((request) => request.operation === "PutObject");
    expect(puts.map((request) => path.basename(request.key))).toEqual([
      expect.stringMatching(/\.manifest\.json$/),
      "deletion-ledger.jsonl",
    ]);

    // A bucket refusing the ledger fails the backup like any other part of the upload.
    s3.fail({ status: 500, code: "InternalError", message: "down", only: ["PutObject"] });
    const failed = await backupCli(s3Env(dir, { BACKUP_S3_PREFIX: "with-ledger" })).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(
      /upload to s3:\/\/\S+ failed \(HTTP 500 InternalError/,
    );
  });

  it("the drill uploads its log beside the backups; the app server's doctor reads the newest record there", async () => {
    const restoreHost = path.join(workDir, "restore-host");
    const appServer = path.join(workDir, "app-server");
    await mkdir(appServer, { recursive: true });
    const config = readBackupConfig(
      s3Env(restoreHost, { BACKUP_IDENTITY: IDENTITY, BACKUP_S3_PREFIX: "drilled" }),
    );
    const record = await runDrill({ databaseUrl: app.url, config });
    expect(record.problems).toEqual([]);
    expect(record.ok).toBe(true);
    const local = await readFile(path.join(restoreHost, "drills.jsonl"));
    expect(s3.object(BUCKET, "drilled/drills.jsonl")?.body.equals(local)).toBe(true);

    // The app server has no drills.jsonl of its own: what passes is the bucket's record.
    const passed = await drillCheck(s3Env(appServer, { BACKUP_S3_PREFIX: "drilled" }));
    expect(passed).toMatchObject({
      status: "pass",
      reason: expect.stringMatching(
        /^passed under a minute ago: \d+ tables, \d+ rows restored and compared \(read s3:\/\/shipshape-test-backups\/drilled\/drills\.jsonl\)$/,
      ),
    });
    expect(s3.requests().at(-1)).toMatchObject({
      operation: "GetObject",
      key: "drilled/drills.jsonl",
      status: 200,
    });

    // A second drill appends, and the bucket gets the whole file: the newest record decides.
    const failing = await runDrill({
      databaseUrl: app.url,
      config,
      beforeCompare: (scratchUrl) =>
        runSql(scratchUrl, `CREATE TABLE "Stray" (id int)`).then(() => undefined),
    });
    expect(failing.ok).toBe(false);
    const uploaded = s3.object(BUCKET, "drilled/drills.jsonl")?.body.toString("utf8") ?? "";
    expect(uploaded.trim().split("\n")).toHaveLength(2);
    expect(await drillCheck(s3Env(appServer, { BACKUP_S3_PREFIX: "drilled" }))).toMatchObject({
      status: "warn",
      reason: expect.stringContaining(
        "but the latest failed (read s3://shipshape-test-backups/drilled/drills.jsonl)",
      ),
    });
  });

  it("the doctor fails closed: no drill log in the bucket, or a bucket that answers an error, is a failed check", async () => {
    const appServer = path.join(workDir, "app-server-closed");
    await mkdir(appServer, { recursive: true });
    // A passing local record does not count while a bucket is configured: drills run elsewhere.
    await appendFile(
      path.join(appServer, "drills.jsonl"),
      `${JSON.stringify({ time: new Date().toISOString(), ok: true, tables: 1, rows: 1, problems: [] })}\n`,
    );
    expect(await drillCheck(s3Env(appServer, { BACKUP_S3_PREFIX: "never-drilled" }))).toMatchObject({
      status: "fail",
      reason: "no drill recorded in s3://shipshape-test-backups/never-drilled/drills.jsonl",
    });

    s3.fail({ status: 403, code: "AccessDenied", message: "Access Denied", only: ["GetObject"] });
    const denied = await drillCheck(s3Env(appServer, { BACKUP_S3_PREFIX: "drilled" }));
    expect(denied).toMatchObject({
      status: "fail",
      reason: expect.stringContaining(
        "could not read the drill log: reading s3://shipshape-test-backups/drilled/drills.jsonl failed (HTTP 403 AccessDenied: Access Denied). " +
          "Check BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY, and that this key may read (s3:GetObject)",
      ),
    });
    expect(JSON.stringify(denied)).not.toContain(SECRET);

    s3.fail({
      status: 500,
      code: "InternalError",
      message: "We encountered an internal error. Please try again.",
    });
    expect(await drillCheck(s3Env(appServer, { BACKUP_S3_PREFIX: "drilled" }))).toMatchObject({
      status: "fail",
      reason: expect.stringContaining(
        "(HTTP 500 InternalError: We encountered an internal error. Please try again.)",
      ),
    });
  });

  it("a drill whose log upload is refused rejects saying so, and keeps its record locally", async () => {
    const restoreHost = path.join(workDir, "restore-host-refused");
    const config = readBackupConfig(
      s3Env(restoreHost, { BACKUP_IDENTITY: IDENTITY, BACKUP_S3_PREFIX: "refused" }),
    );
    s3.fail({ status: 403, code: "AccessDenied", message: "Access Denied", only: ["PutObject"] });
    await expect(runDrill({ databaseUrl: app.url, config })).rejects.toMatchObject({
      code: "upload",
      message: expect.stringMatching(
        /^upload of the drill log to s3:\/\/shipshape-test-backups\/refused\/drills\.jsonl failed \(HTTP 403 AccessDenied: Access Denied\)\. .* The drill is recorded locally: \S+drills\.jsonl\.$/,
      ),
    });
    const records = (await readFile(path.join(restoreHost, "drills.jsonl"), "utf8")).trim().split("\n");
    expect(records).toHaveLength(1);
    expect(JSON.parse(records[0] ?? "{}")).toMatchObject({ ok: true });
    expect(s3.object(BUCKET, "refused/drills.jsonl")).toBeUndefined();
  });
});
