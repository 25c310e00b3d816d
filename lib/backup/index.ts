import "server-only";

// Encrypted, verified PostgreSQL backups: `npm run backup`, `npm run restore`, `npm run backup:drill`.
// README.md beside this file says how to use them; FORMAT.md describes the files (age, and format 1
// read during the transition).

export {
  AGE_FORMAT,
  type AgeEncryption,
  type AgeKeys,
  isAgeIdentity,
  isAgeRecipient,
  parseIdentities,
} from "./age";
export { type BackupResult, type CreateBackupOptions, createBackup } from "./backup";
export {
  type BackupConfig,
  type BackupEncryption,
  type BackupEnv,
  type BackupUploadConfig,
  backupEnvSchema,
  checkBackupEncryptionEnv,
  checkBackupKeyIds,
  checkBackupUploadEnv,
  MIGRATE_FROM_FORMAT_1,
  type RestoreKeys,
  readBackupConfig,
  requireEncryption,
  requireRestoreKeys,
} from "./config";
export {
  DRILL_LOG,
  type DrillOptions,
  type DrillRecord,
  drillLogUrl,
  latestDrill,
  parseDrillLog,
  readDrillLogFromBucket,
  runDrill,
  uploadDrillLog,
} from "./drill";
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
  type BackupFormat,
  type BackupListing,
  type BackupManifest,
  listBackups,
  readManifest,
  resolveBackupPaths,
} from "./manifest";
export {
  describeProblems,
  detectBackupFormat,
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
