import "server-only";

// Encrypted, verified PostgreSQL backups: `npm run backup`, `npm run restore`, `npm run backup:drill`.
// README.md beside this file says how to use them; FORMAT.md specifies the encrypted file format.

export { type BackupResult, type CreateBackupOptions, createBackup } from "./backup";
export {
  type BackupConfig,
  type BackupEnv,
  type BackupUploadConfig,
  backupEnvSchema,
  checkBackupKeyIds,
  checkBackupUploadEnv,
  readBackupConfig,
  requireEncryptionKey,
} from "./config";
export { DRILL_LOG, type DrillOptions, type DrillRecord, latestDrill, runDrill } from "./drill";
export { BackupError, type BackupErrorCode } from "./errors";
export {
  type BackupHeader,
  type BackupKey,
  type BackupKeyring,
  createDecryptStream,
  createEncryptStream,
  FORMAT_VERSION,
  readBackupHeader,
} from "./format";
export {
  type BackupListing,
  type BackupManifest,
  listBackups,
  readManifest,
  resolveBackupPaths,
} from "./manifest";
export {
  describeProblems,
  type RestoreOptions,
  type RestoreResult,
  restoreBackup,
  type TableMismatch,
  type Verification,
  verifyChecksum,
  verifyDatabase,
} from "./restore";
export { applyRetention, type RetentionPolicy, selectRetention } from "./retention";
export { type BackupUploadResult, uploadBackup } from "./upload";
