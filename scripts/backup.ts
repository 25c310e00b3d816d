// `npm run backup`: one encrypted backup of DATABASE_URL into BACKUP_DIR (default .data/backups), with
// its manifest, uploaded to BACKUP_S3_BUCKET when set, then the retention policy (BACKUP_KEEP_DAILY /
// BACKUP_KEEP_WEEKLY). See lib/backup.
//
// Output: progress lines on a terminal, then one summary line on stdout:
//   backup ok: <file> <size> <n> tables <rows> rows in <s>s
// ending in `, uploaded to s3://<bucket>/<key> (+ manifest) in <s>s` when a bucket is set, and one line
// per older backup the retention policy removed. Exit code 0 on success, 1 on failure, a failed
// upload included (the reason on stderr; the local backup is kept).

import { createBackup, readBackupConfig } from "../lib/backup";
import { formatBytes, progressLine, requireDatabaseUrl, runCli } from "./backup-cli";

runCli("backup", async () => {
  const config = readBackupConfig();
  const databaseUrl = requireDatabaseUrl("back up");
  // Both draw on the same terminal line, the upload's after the dump's; clearing it once is enough.
  const written = progressLine("backup: written");
  const uploaded = progressLine("backup: uploaded");
  const { filePath, manifest, upload, removed } = await createBackup({
    databaseUrl,
    config,
    onProgress: written.update,
    onUploadProgress: uploaded.update,
  }).finally(uploaded.done);
  const tables = Object.values(manifest.tables);
  const rows = tables.reduce((sum, table) => sum + table.rows, 0);
  const seconds = (manifest.durationMs / 1000).toFixed(1);
  const offsite = upload
    ? `, uploaded to ${upload.url} (+ manifest${upload.ledgerKey ? ", deletion ledger" : ""}) in ${(upload.durationMs / 1000).toFixed(1)}s`
    : "";
  console.log(
    `backup ok: ${filePath} ${formatBytes(manifest.encrypted.bytes)} ${tables.length} tables ${rows} rows in ${seconds}s${offsite}`,
  );
  for (const name of removed) console.log(`retention: removed ${name}`);
  return 0;
});
