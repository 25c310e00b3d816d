/** What went wrong, for code that must tell failures apart (tests, the CLIs' exit paths). */
export type BackupErrorCode =
  | "config" // a missing or malformed environment variable or option
  | "tool" // pg_dump/pg_restore missing, too old, or failed
  | "not-a-backup" // the file does not start with the backup format's magic bytes
  | "unsupported-format" // a format or manifest version this code does not read
  | "key-not-configured" // the file's key id is not among the configured keys
  | "wrong-key" // a key is configured under the file's key id, but it is not the key that encrypted it
  | "corrupt" // a chunk failed authentication, or the file is truncated or has trailing bytes
  | "checksum-mismatch" // the encrypted file's size or sha256 differs from its manifest
  | "target-not-empty" // restore refused: the target database already has tables
  | "schema-mismatch" // the restored database's latest migration differs from the manifest's
  | "upload"; // the off-site upload (BACKUP_S3_*) failed; the local backup is kept

/** A backup, restore or drill failure whose message says what is wrong and what to do. */
export class BackupError extends Error {
  override name = "BackupError";
  constructor(
    readonly code: BackupErrorCode,
    message: string,
  ) {
    super(message);
  }
}
