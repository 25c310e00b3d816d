// Checks of the running deployment's state: backups and drills, the database (migrations, drift,
// audit chains, platform admins), the job worker, and a running URL's security headers.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { verifyAuditChains } from "../audit";
import {
  type BackupUploadConfig,
  DRILL_LOG,
  type DrillRecord,
  drillLogUrl,
  listBackups,
  MIGRATE_FROM_FORMAT_1,
  parseDrillLog,
  readBackupConfig,
  readDrillLogFromBucket,
  readManifest,
} from "../backup";
import { InvalidEnvironmentError } from "../env";
import { JOBS_SCHEMA } from "../jobs";
import { fail, formatAge, listSome, pass, warn } from "./finding";
import type { Check, DoctorContext } from "./types";

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
/** A daily backup, with two hours of slack for a slow run. */
export const BACKUP_MAX_AGE_MS = 26 * HOUR_MS;
/** A weekly drill, with room for a few missed weeks. */
export const DRILL_MAX_AGE_MS = 30 * DAY_MS;
/** How long a probe of the running deployment may take (a cold start included). */
export const PROBE_TIMEOUT_MS = 30_000;
/** Workers mark the cron clock every 30 s; five minutes without a mark means none is running. */
export const WORKER_SILENCE_MS = 5 * 60 * 1000;

function requireDatabaseUrl(ctx: DoctorContext): string | null {
  return ctx.env.DATABASE_URL || null;
}
const NO_DATABASE = fail("DATABASE_URL is not set", "Set DATABASE_URL to the deployment's database.");

// --- Backups -------------------------------------------------------------------------------------

export const recentBackup: Check = {
  id: "backups.recent",
  title: "a backup from the last 26 hours",
  async run(ctx) {
    const config = readBackupConfig(ctx.env);
    if (!config.encryption) {
      return fail(
        "BACKUP_RECIPIENTS is not set: no backup can be made",
        "On the restore host, `age-keygen -o backup-identity.txt` (keep a copy offline); set " +
          "BACKUP_RECIPIENTS here to the public key it prints (docs/RUNBOOK.md).",
      );
    }
    const [newest] = (await listBackups(config.dir)).sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime(),
    );
    const schedule = "Schedule `npm run backup` daily (or set JOBS_BACKUP_CRON for the worker).";
    if (!newest) return fail(`no backup in ${config.dir}`, schedule);
    try {
      await readManifest(path.join(config.dir, newest.manifestName));
    } catch (error) {
      return fail(
        `the newest backup ${newest.fileName} cannot be restored: ${(error as Error).message}`,
        schedule,
      );
    }
    const age = ctx.now.getTime() - newest.createdAt.getTime();
    if (age > BACKUP_MAX_AGE_MS)
      return fail(`the newest backup is ${formatAge(age)} old (${newest.fileName})`, schedule);
    return pass(`${newest.fileName}, ${formatAge(age)} old, with its manifest`);
  },
};

/**
 * Who can decrypt the backups. The point of public recipients is that the app server holds no key that
 * reads them, so whoever takes the server cannot read the off-site copies either (decision 0039).
 */
export const backupEncryption: Check = {
  id: "backups.encryption",
  title: "backups are encrypted to keys this server cannot decrypt with",
  async run(ctx) {
    const config = readBackupConfig(ctx.env);
    if (!config.encryption && config.keyring.size > 0) {
      // A deployment from before age: BACKUP_ENCRYPTION_KEY alone no longer makes backups.
      return fail("BACKUP_ENCRYPTION_KEY is set, BACKUP_RECIPIENTS is not", MIGRATE_FROM_FORMAT_1);
    }
    if (!config.encryption) {
      return fail(
        "BACKUP_RECIPIENTS is not set: no backup can be made",
        "On the restore host, `age-keygen -o backup-identity.txt`; set BACKUP_RECIPIENTS to its public key.",
      );
    }
    if ("passphrase" in config.encryption) {
      return warn(
        "backups are encrypted to BACKUP_PASSPHRASE, which this server holds: whoever takes it can read " +
          "every backup, the off-site copies included",
        "Accepted for a small team (lib/backup/README.md, the trade-off); otherwise set BACKUP_RECIPIENTS " +
          "instead and keep the identity on the restore host.",
      );
    }
    const onServer = [
      config.identities.length > 0 ? "BACKUP_IDENTITY" : "",
      config.identityFile ? "BACKUP_IDENTITY_FILE" : "",
      config.keyring.size > 0 ? "BACKUP_ENCRYPTION_KEY(S)" : "",
    ].filter(Boolean);
    const recipients = "recipients" in config.encryption ? config.encryption.recipients.length : 0;
    if (onServer.length > 0) {
      return warn(
        `${onServer.join(", ")} ${onServer.length === 1 ? "is" : "are"} set here: this server can decrypt ` +
          "backups (a drill on the app server gives that up)",
        "Keep identities and format-1 keys on the restore host only, and run restores and drills there " +
          "(docs/RUNBOOK.md). Ignore this when the doctor runs on the restore host itself.",
      );
    }
    return pass(
      `encrypted to ${recipients} age recipient${recipients === 1 ? "" : "s"}; no key that decrypts them is set here`,
    );
  },
};

/** Format-1 backups need BACKUP_ENCRYPTION_KEY to restore: warn until retention has removed them all. */
export const backupFormat: Check = {
  id: "backups.format",
  title: "every kept backup is an age file",
  async run(ctx) {
    const config = readBackupConfig(ctx.env);
    const format1 = (await listBackups(config.dir)).filter((backup) => backup.format === 1);
    if (format1.length === 0) return pass(`no format-1 backup is kept in ${config.dir}`);
    const newest = format1.reduce((a, b) => (a.createdAt > b.createdAt ? a : b));
    return warn(
      `${format1.length} kept backup${format1.length === 1 ? " is" : "s are"} in format 1 (${listSome(
        format1.map((backup) => backup.fileName),
        2,
      )}): restoring ${format1.length === 1 ? "it" : "them"} needs BACKUP_ENCRYPTION_KEY`,
      `Keep BACKUP_ENCRYPTION_KEY(S) on the restore host until retention removes them (the newest, ` +
        `${newest.fileName}, goes after BACKUP_KEEP_DAILY days and BACKUP_KEEP_WEEKLY weeks), or ` +
        "delete them once newer age backups and a passing drill exist.",
    );
  },
};

/** The drill log the check reads: the bucket's when a bucket is configured, else BACKUP_DIR's. */
async function readDrills(
  env: DoctorContext["env"],
): Promise<{ source: string; drills: DrillRecord[] } | { source: string; error: string }> {
  const { dir, upload } = readBackupConfig(env);
  if (upload) {
    // Drills run on the restore host, which uploads its log next to the backups: this server's own
    // BACKUP_DIR holds no drill. An unreadable bucket is a failure, never an empty pass.
    const source = drillLogUrl(upload);
    try {
      return { source, drills: parseDrillLog((await readDrillLogFromBucket(upload)) ?? "") };
    } catch (error) {
      return { source, error: (error as Error).message };
    }
  }
  const file = path.join(dir, DRILL_LOG);
  return { source: file, drills: existsSync(file) ? parseDrillLog(await readFile(file, "utf8")) : [] };
}

export const recentDrill: Check = {
  id: "backups.drill",
  title: "a restore drill passed in the last 30 days",
  async run(ctx) {
    const log = await readDrills(ctx.env);
    const schedule =
      "Run `npm run backup:drill` on the restore host (weekly), with the same BACKUP_S3_* bucket so it " +
      "uploads its log, and fix what it reports.";
    if ("error" in log) return fail(`could not read the drill log: ${log.error}`, schedule);
    const { source, drills } = log;
    const lastOk = drills.find((drill) => drill.ok);
    if (!lastOk) {
      const latest = drills[0];
      return fail(
        latest
          ? `no drill has passed (read ${source}); the latest failed: ${listSome(latest.problems, 1)}`
          : `no drill recorded in ${source}`,
        schedule,
      );
    }
    const age = ctx.now.getTime() - Date.parse(lastOk.time);
    if (age > DRILL_MAX_AGE_MS) {
      return fail(`the last passing drill is ${formatAge(age)} old (read ${source})`, schedule);
    }
    const latest = drills[0];
    if (latest && !latest.ok) {
      return warn(
        `a drill passed ${formatAge(age)} ago, but the latest failed (read ${source}): ${listSome(latest.problems, 1)}`,
        schedule,
      );
    }
    return pass(
      `passed ${formatAge(age)} ago: ${lastOk.tables} tables, ${lastOk.rows} rows restored and compared (read ${source})`,
    );
  },
};

export const offsiteBackups: Check = {
  id: "backups.offsite",
  title: "backups are uploaded off the server",
  async run(ctx) {
    // Only the settings: the upload key has no read rights (lib/backup/README.md), and each
    // `npm run backup` already fails when its upload does.
    let upload: BackupUploadConfig | undefined;
    try {
      ({ upload } = readBackupConfig(ctx.env));
    } catch (error) {
      if (!(error instanceof InvalidEnvironmentError)) throw error;
      return fail(
        listSome(error.problems, 2),
        "Set the missing BACKUP_S3_* variables, or unset BACKUP_S3_BUCKET (lib/backup/README.md).",
      );
    }
    if (!upload) {
      return warn(
        "BACKUP_S3_BUCKET is not set: backups stay on this server and are lost with it",
        "Set BACKUP_S3_BUCKET, BACKUP_S3_REGION and a write-only access key (lib/backup/README.md), " +
          "or copy BACKUP_DIR off the server after each backup yourself.",
      );
    }
    const where = upload.endpoint ? new URL(upload.endpoint).host : "AWS S3";
    return pass(`to s3://${upload.bucket}/${upload.prefix} (${where}, region ${upload.region})`);
  },
};

// --- Data ----------------------------------------------------------------------------------------

export const migrationsApplied: Check = {
  id: "data.migrations",
  title: "every migration is applied",
  async run(ctx) {
    if (!requireDatabaseUrl(ctx)) return NO_DATABASE;
    const dir = path.join(ctx.root, "prisma", "migrations");
    const committed = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, "migration.sql")))
      .map((entry) => entry.name)
      .sort();
    const rows = await ctx.db().$queryRaw<{ name: string; finished: boolean; rolledBack: boolean }[]>`
      SELECT migration_name AS name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS "rolledBack"
      FROM _prisma_migrations`;
    const failed = rows.filter((row) => !row.finished && !row.rolledBack).map((row) => row.name);
    if (failed.length > 0) {
      return fail(
        `migration(s) failed half-way: ${listSome(failed)}`,
        "See docs/RUNBOOK.md (a bad migration): resolve with `npm run prisma -- migrate resolve`.",
      );
    }
    const applied = new Set(rows.filter((row) => row.finished && !row.rolledBack).map((row) => row.name));
    const pending = committed.filter((name) => !applied.has(name));
    if (pending.length > 0)
      return fail(
        `${pending.length} not applied: ${listSome(pending)}`,
        "Run `npm run db:deploy` against the deployment's database.",
      );
    return pass(`${committed.length} migrations applied, latest ${committed.at(-1) ?? "(none)"}`);
  },
};

/** Runs `prisma migrate diff` between the live database and schema.prisma, through scripts/prisma.ts. */
function diffLiveDatabase(
  ctx: DoctorContext,
  databaseUrl: string,
): Promise<{ code: number; output: string }> {
  const tsx = path.join(ctx.root, "node_modules", ".bin", "tsx");
  const args = [
    "scripts/prisma.ts",
    "migrate",
    "diff",
    "--from-config-datasource",
    "--to-schema",
    "prisma/schema.prisma",
    "--script",
    "--exit-code",
  ];
  const child = spawn(tsx, args, {
    cwd: ctx.root,
    env: { ...process.env, ...ctx.env, DATABASE_URL: databaseUrl },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

export const noDrift: Check = {
  id: "data.drift",
  title: "the database matches schema.prisma",
  async run(ctx) {
    const url = requireDatabaseUrl(ctx);
    if (!url) return NO_DATABASE;
    const { code, output } = await diffLiveDatabase(ctx, url);
    if (code === 0) return pass("no difference between the live schema and prisma/schema.prisma");
    if (code === 2) {
      const statements = output.split("\n").filter((line) => /^(ALTER|CREATE|DROP)\b/.test(line));
      return fail(
        `the live database differs: ${listSome(statements, 2) || "see `prisma migrate diff`"}`,
        "Someone changed the database by hand, or a migration is missing: compare with `npm run prisma -- migrate diff --from-config-datasource --to-schema prisma/schema.prisma`.",
      );
    }
    const last = output.trim().split("\n").at(-1) ?? "";
    return fail(
      `the drift check could not run: ${last}`,
      "Run `npm run prisma -- migrate diff --from-config-datasource --to-schema prisma/schema.prisma` and read its error.",
    );
  },
};

export const auditChainsIntact: Check = {
  id: "data.audit-chains",
  title: "the audit log's hash chains verify",
  async run(ctx) {
    if (!requireDatabaseUrl(ctx)) return NO_DATABASE;
    const result = await verifyAuditChains({ db: ctx.db() });
    if (result.ok) return pass(`${result.checked} events in ${result.chains} chain(s) verify`);
    return fail(
      `${result.breaks.length} chain(s) broken, first ${result.chain} at seq ${result.seq} (${result.reason})`,
      "Run `npm run audit:verify` and follow docs/RUNBOOK.md: tampering or a bad restore.",
    );
  },
};

/** "a…@example.com": enough to recognise an address in a report, not to collect it. */
function maskEmail(email: string): string {
  const [local = "", domain = ""] = email.split("@");
  return `${local.slice(0, 1)}…@${domain}`;
}

export const adminsHaveMfa: Check = {
  id: "admins.mfa",
  title: "every platform admin has MFA",
  async run(ctx) {
    if (!requireDatabaseUrl(ctx)) return NO_DATABASE;
    const admins = await ctx.db().user.findMany({
      where: { isPlatformAdmin: true, disabledAt: null },
      select: { email: true, mfaEnabledAt: true },
      orderBy: { createdAt: "asc" },
    });
    const without = admins
      .filter((admin) => admin.mfaEnabledAt === null)
      .map((admin) => maskEmail(admin.email));
    if (without.length > 0) {
      return fail(
        `${without.length} of ${admins.length} platform admin(s) without MFA: ${listSome(without)}`,
        "Each enrols at /account/mfa (the admin area refuses them until then), or drop isPlatformAdmin.",
      );
    }
    return pass(
      admins.length === 0 ? "no platform admins" : `${admins.length} platform admin(s), all with MFA`,
    );
  },
};

// --- Jobs ----------------------------------------------------------------------------------------

export const workerRunning: Check = {
  id: "jobs.worker",
  title: "a job worker is running",
  async run(ctx) {
    if (!requireDatabaseUrl(ctx)) return NO_DATABASE;
    const start =
      "Run `npm run worker` (one or more, next to the app); it sends queued mail and runs the scheduled jobs.";
    const db = ctx.db();
    const [installed] = await db.$queryRaw<{ present: boolean }[]>`
      SELECT to_regclass(${`${JOBS_SCHEMA}.version`}) IS NOT NULL AS present`;
    if (!installed?.present) return fail("no worker has ever run on this database", start);
    const [clock] = await db.$queryRawUnsafe<{ cron_on: Date | null }[]>(
      `SELECT cron_on FROM ${JOBS_SCHEMA}.version`,
    );
    if (!clock?.cron_on) return fail("no worker has started its clock on this database", start);
    const silence = ctx.now.getTime() - clock.cron_on.getTime();
    if (silence > WORKER_SILENCE_MS) return fail(`no worker seen for ${formatAge(silence)}`, start);
    const [failed] = await db.$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM ${JOBS_SCHEMA}.job WHERE state = 'failed' AND completed_on > now() - interval '1 day'`,
    );
    const failures = Number(failed?.count ?? 0);
    if (failures > 0) {
      return warn(
        `a worker is running, but ${failures} job(s) failed for good in the last day`,
        "Look them up in Sentry (tag job) and the worker's logs.",
      );
    }
    return pass(`a worker was seen ${formatAge(Math.max(0, silence))} ago; no job failed in the last day`);
  },
};

// --- Security headers of a running deployment ----------------------------------------------------

export const securityHeaders: Check = {
  id: "headers.security",
  title: "a running deployment sends the security headers",
  async run(ctx) {
    if (!ctx.url)
      return warn(
        "not checked: no URL given",
        "Run `npm run doctor -- --url https://your.app` against the deployment.",
      );
    let response: Response;
    try {
      response = await ctx.fetch(ctx.url, {
        redirect: "manual",
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
    } catch (error) {
      return fail(
        `${ctx.url} did not answer: ${(error as Error).message}`,
        "Check the URL and that the deployment is running.",
      );
    }
    const header = (name: string) => response.headers.get(name) ?? "";
    const problems: string[] = [];
    const csp = header("content-security-policy");
    if (!csp) problems.push("no Content-Security-Policy");
    else {
      if (!/frame-ancestors 'none'/.test(csp) && header("x-frame-options").toUpperCase() !== "DENY") {
        problems.push("framing allowed (no frame-ancestors 'none' or X-Frame-Options: DENY)");
      }
      const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? "";
      if (/'unsafe-eval'/.test(scriptSrc))
        problems.push("script-src allows 'unsafe-eval' (a development build?)");
      if (/'unsafe-inline'/.test(scriptSrc) && !/'nonce-|'strict-dynamic'/.test(scriptSrc)) {
        problems.push("script-src allows inline scripts without a nonce");
      }
    }
    const hstsAge = Number(/max-age=(\d+)/.exec(header("strict-transport-security"))?.[1] ?? 0);
    if (hstsAge < 180 * 86_400) problems.push("Strict-Transport-Security missing or shorter than 180 days");
    if (header("x-content-type-options").toLowerCase() !== "nosniff")
      problems.push("no X-Content-Type-Options: nosniff");
    if (!header("referrer-policy")) problems.push("no Referrer-Policy");
    if (!header("permissions-policy")) problems.push("no Permissions-Policy");
    if (response.headers.has("x-powered-by")) problems.push("X-Powered-By reveals the framework");
    if (problems.length > 0) {
      return fail(
        `${ctx.url}: ${listSome(problems, 3)}`,
        "Deploy the production build (next.config.ts and proxy.ts set these); check that no proxy strips them.",
      );
    }
    const plainHttp = new URL(ctx.url).protocol === "http:";
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(new URL(ctx.url).hostname);
    if (plainHttp && !local)
      return warn(`${ctx.url} is served over plain HTTP`, "Serve it over HTTPS only (redirect HTTP).");
    return pass(`${ctx.url}: CSP, HSTS, nosniff, referrer and permissions policies, no framing`);
  },
};
