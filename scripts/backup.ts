// `npm run backup`: one encrypted backup of DATABASE_URL into BACKUP_DIR (default .data/backups), with
// its manifest, then the retention policy (BACKUP_KEEP_DAILY / BACKUP_KEEP_WEEKLY). See lib/backup.
//
// Output: a progress line on a terminal, then one summary line on stdout:
//   backup ok: <file> <size> <n> tables <rows> rows in <s>s
// and one line per older backup the retention policy removed. Exit code 0 on success, 1 on failure
// (the reason on stderr).

import { createBackup, readBackupConfig } from "../lib/backup";
import { formatBytes, progressLine, requireDatabaseUrl, runCli } from "./backup-cli";

runCli("backup", async () => {
  const config = readBackupConfig();
  const databaseUrl = requireDatabaseUrl("back up");
  const progress = progressLine("backup: written");
  const { filePath, manifest, removed } = await createBackup({
    databaseUrl,
    config,
    onProgress: progress.update,
  });
  progress.done();
  const tables = Object.values(manifest.tables);
  const rows = tables.reduce((sum, table) => sum + table.rows, 0);
  const seconds = (manifest.durationMs / 1000).toFixed(1);
  console.log(
    `backup ok: ${filePath} ${formatBytes(manifest.encrypted.bytes)} ${tables.length} tables ${rows} rows in ${seconds}s`,
  );
  for (const name of removed) console.log(`retention: removed ${name}`);
  return 0;
});
