// The off-site copy: after a backup and its manifest are written and verified on disk, both are
// uploaded to an S3-compatible bucket (AWS S3, Cloudflare R2, Backblaze B2, MinIO) with the AWS SDK.
// Only the encrypted file, its manifest (sizes, hashes, table names and row counts: no row data) and
// the deletion ledger (keyed pseudonyms and dates: no id, no address) ever leave the server. The local
// copy stays whatever happens here. The drill log (drills.jsonl) goes to the same prefix from the
// restore host, where the app server's `npm run doctor` reads it back (drill.ts).

import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Transform } from "node:stream";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { DELETION_LEDGER_FILE } from "../privacy";
import type { BackupUploadConfig } from "./config";
import { BackupError } from "./errors";
import type { BackupManifest } from "./manifest";
import { detectBackupFormat, verifyChecksum } from "./restore";

export interface BackupUploadResult {
  bucket: string;
  fileKey: string;
  manifestKey: string;
  /** The deletion ledger's key, or null when BACKUP_DIR holds no ledger (no account deleted yet). */
  ledgerKey: string | null;
  /** `s3://<bucket>/<fileKey>`, for people. */
  url: string;
  durationMs: number;
}

/** The SDK's error shape, as far as a message needs it. */
export type SdkError = Error & { $metadata?: { httpStatusCode?: number }; code?: string };

/** What to tell a person about a failed request: which setting to check, or that the service is down. */
export function hint(
  error: SdkError,
  config: BackupUploadConfig,
  access: "write" | "read" = "write",
): string {
  const status = error.$metadata?.httpStatusCode;
  const code = error.name;
  if (["InvalidAccessKeyId", "SignatureDoesNotMatch"].includes(code)) {
    return "Check BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY.";
  }
  if (code === "NoSuchBucket") {
    return `Create the bucket ${config.bucket}, or fix BACKUP_S3_BUCKET (and BACKUP_S3_ENDPOINT / BACKUP_S3_REGION).`;
  }
  if (
    ["AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException"].includes(code)
  ) {
    return "BACKUP_S3_REGION does not match the bucket's region.";
  }
  if ((status === 403 || code === "AccessDenied") && access === "read") {
    return (
      `Check BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY, and that this key may read ` +
      `(s3:GetObject) ${config.bucket}/${config.prefix}drills.jsonl (lib/backup/drill.ts): that one object, nothing else.`
    );
  }
  if (status === 403 || code === "AccessDenied") {
    return (
      `Check BACKUP_S3_ACCESS_KEY_ID and BACKUP_S3_SECRET_ACCESS_KEY, and that this key may write ` +
      `(s3:PutObject, multipart uploads) to ${config.bucket}/${config.prefix}*.`
    );
  }
  if (status !== undefined && status >= 500) {
    return access === "read"
      ? "The storage service is failing: run the check again later."
      : "The storage service is failing: the next backup will try again; or copy the local file there yourself.";
  }
  if (status === undefined) {
    return `Check BACKUP_S3_ENDPOINT (${config.endpoint ?? "AWS S3"}) and this server's network.`;
  }
  return "Check the BACKUP_S3_* settings.";
}

export function describeFailure(error: unknown): string {
  const sdkError = error as SdkError;
  const status = sdkError.$metadata?.httpStatusCode;
  const name = sdkError.name && sdkError.name !== "Error" ? sdkError.name : (sdkError.code ?? "error");
  const message = sdkError.message && sdkError.message !== name ? `: ${sdkError.message}` : "";
  return `${status ? `HTTP ${status} ` : ""}${name}${message}`;
}

/**
 * Uploads an encrypted backup, then its manifest (so a manifest in the bucket always has its whole file
 * beside it). Refuses a file that is not an encrypted backup or does not match its manifest.
 * A failure is a BackupError("upload") naming the object, the cause, what to check, and the local copy.
 */
export async function uploadBackup(
  backup: { filePath: string; manifestPath: string; manifest: BackupManifest },
  config: BackupUploadConfig,
  onProgress?: (bytesUploaded: number) => void,
): Promise<BackupUploadResult> {
  const startedAt = Date.now();
  // Never upload plaintext: the file must start with an encrypted format's header (age, or format 1),
  // and be exactly the bytes the manifest describes.
  await detectBackupFormat(backup.filePath);
  await verifyChecksum(backup.filePath, backup.manifest);

  const fileKey = `${config.prefix}${path.basename(backup.filePath)}`;
  const manifestKey = `${config.prefix}${path.basename(backup.manifestPath)}`;
  const ledgerPath = path.join(path.dirname(backup.filePath), DELETION_LEDGER_FILE);
  const ledgerKey = `${config.prefix}${DELETION_LEDGER_FILE}`;
  const url = `s3://${config.bucket}/${fileKey}`;
  const client = s3Client(config);
  let current = url;
  try {
    // What is sent is hashed on the way, so a file changed after the check above cannot go unnoticed.
    const sent = createHash("sha256");
    const body = createReadStream(backup.filePath).pipe(
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          sent.update(chunk);
          callback(null, chunk);
        },
      }),
    );
    // lib-storage: one PutObject for a small file, else a multipart upload in parts of at least 5 MiB
    // (larger for files over 50 GB: at most 10,000 parts), aborted if a part fails.
    const upload = new Upload({
      client,
      params: {
        Bucket: config.bucket,
        Key: fileKey,
        Body: body,
        ContentLength: backup.manifest.encrypted.bytes,
        ContentType: "application/octet-stream",
        Metadata: { sha256: backup.manifest.encrypted.sha256 },
      },
    });
    upload.on("httpUploadProgress", ({ loaded }) => {
      if (loaded !== undefined) onProgress?.(loaded);
    });
    await upload.done();
    if (sent.digest("hex") !== backup.manifest.encrypted.sha256) {
      throw new BackupError(
        "upload",
        `upload of ${url} sent bytes that differ from its manifest: was ${backup.filePath} changed while ` +
          `it was uploaded? The local backup is kept; run the backup again.`,
      );
    }
    current = `s3://${config.bucket}/${manifestKey}`;
    await client.send(
      new PutObjectCommand({
        Bucket: config.bucket,
        Key: manifestKey,
        Body: await readFile(backup.manifestPath),
        ContentType: "application/json",
      }),
    );
    // The ledger as it is now (the account-deletion job replaces it by a rename, so this reads a whole
    // file): it only grows, so the newest copy serves every backup in the bucket, older ones included.
    let uploadedLedgerKey: string | null = null;
    if (existsSync(ledgerPath)) {
      current = `s3://${config.bucket}/${ledgerKey}`;
      await client.send(
        new PutObjectCommand({
          Bucket: config.bucket,
          Key: ledgerKey,
          Body: await readFile(ledgerPath),
          ContentType: "application/x-ndjson",
        }),
      );
      uploadedLedgerKey = ledgerKey;
    }
    return {
      bucket: config.bucket,
      fileKey,
      manifestKey,
      ledgerKey: uploadedLedgerKey,
      url,
      durationMs: Date.now() - startedAt,
    };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(
      "upload",
      `upload to ${current} failed (${describeFailure(error)}). ${hint(error as SdkError, config)} ` +
        `The local backup is kept: ${backup.filePath}.`,
    );
  } finally {
    client.destroy();
  }
}

export function s3Client(config: BackupUploadConfig): S3Client {
  return new S3Client({
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // A stalled connection must fail the backup (and alert), not hang the nightly job.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000 },
  });
}
