// `npm run restore -- <backup.dump.enc | backup.manifest.json> [--target <url>] [--force] [--skip-checksum]`
//
// Checks the backup against its manifest (size and sha256), decrypts it as a stream into pg_restore
// (one transaction) into DATABASE_URL or --target, then checks every table's row count and content
// hash and the latest migration against the manifest. See lib/backup/README.md.
//
// --force          restore into a database that has tables: drops its public schema first
// --skip-checksum  skip the sha256 pass (chunks are still authenticated while decrypting)
//
// Exit code 0 when the restore verified, 1 otherwise (the reason on stderr).

import { parseArgs } from "node:util";
import { describeProblems, readBackupConfig, restoreBackup } from "../lib/backup";
import { redactUrl } from "../tools/db/apply-migrations";
import { progressLine, requireDatabaseUrl, runCli } from "./backup-cli";

const USAGE =
  "usage: npm run restore -- <backup.dump.enc | backup.manifest.json> [--target <url>] [--force] [--skip-checksum]";

runCli("restore", async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      target: { type: "string" },
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
  const targetUrl = values.target ?? requireDatabaseUrl("restore into (or pass --target <url>)");
  console.log(`restoring ${input} into ${redactUrl(targetUrl)}`);
  const progress = progressLine("restore: read");
  const { manifest, verification, erasure, durationMs } = await restoreBackup({
    input,
    targetUrl,
    keyring: config.keyring,
    force: values.force,
    skipChecksum: values["skip-checksum"],
    pgBinDir: config.pgBinDir,
    onProgress: progress.update,
  });
  progress.done();
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
