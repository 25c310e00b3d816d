// `npm run backup:drill [-- --server <url>] [--identity <file>] [--backup <file>]`: backs up DATABASE_URL,
// restores that backup into a new scratch database (shipshape_drill_<time>) on the same server, compares every table and the migration
// with the backup's manifest, drops the scratch database, and appends the result to
// <BACKUP_DIR>/drills.jsonl, which it then uploads to <BACKUP_S3_PREFIX>drills.jsonl when BACKUP_S3_BUCKET
// is set (the app server's `npm run doctor` reads it there). Run it on a schedule: a backup that was
// never restored is a hope.
// Its backup is a real one that stays in BACKUP_DIR, so the retention policy runs as after
// `npm run backup` (it may delete today's earlier backup), and each file it removed is printed.
//
// --server <url>     a database URL on the server (and as the user) that may CREATE DATABASE, when the
//                    DATABASE_URL user may not. Default: DATABASE_URL.
// --identity <file>  an age identity file to decrypt with (besides BACKUP_IDENTITY_FILE); may repeat.
// --backup <file>    drill an existing backup (.dump.age or its manifest, e.g. last night's, copied
//                    from the bucket) instead of making one; with --server, DATABASE_URL is not read.
//
// It decrypts, so it needs an identity: run it on the restore host (docs/RUNBOOK.md says why).
//
// Exit code 0 when the drill passed, 1 when it failed (the problems on stderr) or its log could not be
// uploaded (the record stays in BACKUP_DIR).

import path from "node:path";
import { parseArgs } from "node:util";
import { DRILL_LOG, drillLogUrl, readBackupConfig, runDrill } from "../lib/backup";
import { progressLine, requireDatabaseUrl, runCli } from "./backup-cli";

runCli("backup:drill", async () => {
  const { values } = parseArgs({
    options: {
      server: { type: "string" },
      identity: { type: "string", multiple: true, default: [] },
      backup: { type: "string" },
    },
  });
  const config = readBackupConfig();
  // With --backup, only the server for the scratch database is needed: --server, else DATABASE_URL.
  const databaseUrl = values.backup && values.server ? values.server : requireDatabaseUrl("drill");
  const progress = {
    backup: progressLine("drill: backup written"),
    restore: progressLine("drill: restore read"),
  };
  const record = await runDrill({
    databaseUrl,
    config,
    serverUrl: values.server,
    identityFiles: values.identity,
    backup: values.backup,
    onProgress: (phase, bytes) => progress[phase].update(bytes),
  });
  progress.restore.done();
  const seconds = (record.durationMs / 1000).toFixed(1);
  const local = path.join(config.dir, DRILL_LOG);
  const log = config.upload ? `${local} and ${drillLogUrl(config.upload)}` : local;
  if (!record.ok) {
    console.error(`drill FAILED (${record.backupFile ?? "no backup"}, in ${seconds}s; recorded in ${log}):`);
    for (const problem of record.problems) console.error(`  - ${problem}`);
    printRemoved(record.removed);
    return 1;
  }
  console.log(
    `drill ok: ${record.backupFile} restored into ${record.scratchDatabase} (dropped), ${record.tables} tables ` +
      `${record.rows} rows match in ${seconds}s; recorded in ${log}`,
  );
  printRemoved(record.removed);
  return 0;
});

/** The same lines as `npm run backup`: one per older backup the retention policy deleted. */
function printRemoved(removed: string[]): void {
  for (const name of removed) console.log(`retention: removed ${name}`);
}
