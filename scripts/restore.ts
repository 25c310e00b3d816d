// `npm run restore -- <backup.dump.age | backup.manifest.json> [--identity <file>] [--target <url>] [--force] [--skip-checksum]`
//
// Checks the backup against its manifest (size and sha256), decrypts it as a stream into pg_restore
// (one transaction) into DATABASE_URL or --target, then checks every table's row count and content
// hash and the latest migration against the manifest. See lib/backup/README.md. Runs where the
// identity is (the restore host): the app server holds only public keys and cannot decrypt.
//
// --identity <file>  an age identity file (age-keygen's output), as `age -i`; may be repeated.
//                    Also read: BACKUP_IDENTITY_FILE, BACKUP_IDENTITY, BACKUP_PASSPHRASE, and for
//                    format-1 backups (.dump.enc) BACKUP_ENCRYPTION_KEY(S).
// --force            restore into a database that has tables: drops its public schema first
// --skip-checksum    skip the sha256 pass (chunks are still authenticated while decrypting)
//
// Exit code 0 when the restore verified, 1 otherwise (the reason on stderr).

import { parseArgs } from "node:util";
import { describeProblems, readBackupConfig, requireRestoreKeys, restoreBackup } from "../lib/backup";
import { redactUrl } from "../tools/db/apply-migrations";
import { progressLine, requireDatabaseUrl, runCli } from "./backup-cli";

const USAGE =
  "usage: npm run restore -- <backup.dump.age | backup.manifest.json> [--identity <file>] [--target <url>] " +
  "[--force] [--skip-checksum]";

runCli("restore", async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: "string" },
      identity: { type: "string", multiple: true, default: [] },
      force: { type: "boolean", default: false },
      "skip-checksum": { type: "boolean", default: false },
    },
  });
  const [input, ...extra] = positionals;
  if (!input || extra.length > 0) {
    console.error(USAGE);
    return 1;
  }
  const config = readBackupConfig();
  const keys = await requireRestoreKeys(config, values.identity);
  const targetUrl = values.target ?? requireDatabaseUrl("restore into (or pass --target <url>)");
  console.log(`restoring ${input} into ${redactUrl(targetUrl)}`);
  const progress = progressLine("restore: read");
  const { format, manifest, verification, erasure, durationMs } = await restoreBackup({
    input,
    targetUrl,
    keys,
    force: values.force,
    skipChecksum: values["skip-checksum"],
    pgBinDir: config.pgBinDir,
    onProgress: progress.update,
  });
  progress.done();
  if (format === 1) {
    console.log(
      "note: this backup is in format 1 (Shipshape's own AES-256-GCM format, read with " +
        "BACKUP_ENCRYPTION_KEY), read during the transition to age. Backups made now are age files.",
    );
  }
  const summary =
    `${verification.tables} tables, ${verification.rows} rows, migration ` +
    `${manifest.database.schemaVersion ?? "(none)"}, backup of ${manifest.createdAt}`;
  if (!verification.ok) {
    console.error(`restore FAILED verification (${summary}):`);
    for (const line of describeProblems(verification)) console.error(`  - ${line}`);
    return 1;
  }
  const seconds = (durationMs / 1000).toFixed(1);
  console.log(
    `deletion ledger: ${erasure.ledgerEntries} deleted account(s) on record; ${erasure.deletedAgain} found in the backup and deleted again`,
  );
  console.log(
    `restore ok: ${summary}; row counts, contents and migration match the manifest (in ${seconds}s)`,
  );
  return 0;
});
