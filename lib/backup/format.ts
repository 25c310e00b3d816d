// Format 1, Shipshape's own encrypted backup file, from before age (decision 0039): restore still reads
// it during the transition; only the tests and the bench still write it. A header, then the plaintext
// (a pg_dump archive) in fixed-size chunks, each sealed with AES-256-GCM. Written and read as streams, so a dump of any size passes through a
// few chunks of memory. FORMAT.md beside this file is the byte-level specification; keep them in step.
//
// Why chunks: one GCM tag over a whole stream can only be checked at the very end, after every
// plaintext byte was already handed on. A tag per chunk lets the reader refuse damage at the chunk
// where it is, and the chunk counter in the nonce plus a "final" flag in the associated data make
// reordering, dropping, truncating and appending chunks fail authentication too.

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { open } from "node:fs/promises";
import { Transform, type TransformCallback } from "node:stream";
import { BackupError } from "./errors";

/** The first 8 bytes of every encrypted backup. */
const MAGIC = Buffer.from("SHIPBKUP", "ascii");
/** The one format version this code writes and reads. */
export const FORMAT_VERSION = 1;
/** Plaintext bytes per chunk unless the writer says otherwise; the header records the size used. */
export const DEFAULT_CHUNK_BYTES = 64 * 1024;
// Bounds a reader accepts, so a damaged header cannot make it buffer gigabytes for one chunk.
const MIN_CHUNK_BYTES = 16;
const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** Key ids are written into the header: short, printable, no separators used by BACKUP_ENCRYPTION_KEYS. */
export const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;
const SALT_BYTES = 32;
const KEY_CHECK_BYTES = 32;
const TAG_BYTES = 16;
const NONCE_BYTES = 12;
// magic, version, key id length, key id (up to 32), chunk size, salt, key check.
const FIXED_PREFIX_BYTES = MAGIC.length + 1 + 1;
const MAX_HEADER_BYTES = FIXED_PREFIX_BYTES + 32 + 4 + SALT_BYTES + KEY_CHECK_BYTES;

// HKDF "info" labels: one per derived value, so the chunk key and the key check can never coincide.
const CHUNK_KEY_INFO = "shipshape-backup v1 chunk key";
const KEY_CHECK_INFO = "shipshape-backup v1 key check";

/** An AES-256 key and the id the header records for it. */
export interface BackupKey {
  id: string;
  key: Buffer;
}

/** What a reader needs: every key it may be asked for, by id. */
export type BackupKeyring = ReadonlyMap<string, Buffer>;

export interface BackupHeader {
  formatVersion: number;
  keyId: string;
  chunkBytes: number;
}

interface ParsedHeader extends BackupHeader {
  /** The header's exact bytes: they are part of every chunk's associated data. */
  bytes: Buffer;
  salt: Buffer;
  keyCheck: Buffer;
}

function deriveKey(masterKey: Buffer, salt: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync("sha256", masterKey, salt, info, KEY_BYTES));
}

/** Chunk i's nonce: 4 zero bytes, then i as a big-endian 64-bit integer. Unique per file key. */
function nonceFor(index: bigint): Buffer {
  const nonce = Buffer.alloc(NONCE_BYTES);
  nonce.writeBigUInt64BE(index, NONCE_BYTES - 8);
  return nonce;
}

/** Associated data of a chunk: the whole header (so it cannot be edited) and the final-chunk flag. */
function associatedData(header: Buffer, final: boolean): Buffer {
  return Buffer.concat([header, Buffer.from([final ? 1 : 0])]);
}

function encodeHeader(keyId: string, chunkBytes: number, salt: Buffer, keyCheck: Buffer): Buffer {
  const id = Buffer.from(keyId, "ascii");
  const size = Buffer.alloc(4);
  size.writeUInt32BE(chunkBytes);
  return Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION, id.length]), id, size, salt, keyCheck]);
}

/**
 * Parses a header from the start of `data`. Returns undefined when more bytes are needed; throws a
 * BackupError as soon as the bytes it has are not a header this code reads.
 */
function parseHeader(data: Buffer): ParsedHeader | undefined {
  const magicBytes = data.subarray(0, MAGIC.length);
  if (!MAGIC.subarray(0, magicBytes.length).equals(magicBytes)) {
    throw new BackupError(
      "not-a-backup",
      "not a Shipshape encrypted backup: the file does not start with the SHIPBKUP magic bytes. " +
        "Pass the .dump.enc file that `npm run backup` wrote, or its manifest.",
    );
  }
  if (data.length < FIXED_PREFIX_BYTES) return undefined;
  const version = data[MAGIC.length] as number;
  if (version !== FORMAT_VERSION) {
    throw new BackupError(
      "unsupported-format",
      `unsupported backup format version ${version}: this code reads version ${FORMAT_VERSION}. ` +
        "Restore it with the Shipshape version that wrote it (its manifest names the tools).",
    );
  }
  const idLength = data[MAGIC.length + 1] as number;
  const headerBytes = FIXED_PREFIX_BYTES + idLength + 4 + SALT_BYTES + KEY_CHECK_BYTES;
  if (data.length < headerBytes) return undefined;
  let offset = FIXED_PREFIX_BYTES;
  const keyId = data.toString("ascii", offset, offset + idLength);
  offset += idLength;
  const chunkBytes = data.readUInt32BE(offset);
  offset += 4;
  if (!KEY_ID.test(keyId) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw new BackupError(
      "corrupt",
      "corrupt backup: the header's key id or chunk size is invalid (the file was damaged).",
    );
  }
  const salt = data.subarray(offset, offset + SALT_BYTES);
  offset += SALT_BYTES;
  const keyCheck = data.subarray(offset, offset + KEY_CHECK_BYTES);
  return {
    formatVersion: version,
    keyId,
    chunkBytes,
    bytes: Buffer.from(data.subarray(0, headerBytes)),
    salt: Buffer.from(salt),
    keyCheck: Buffer.from(keyCheck),
  };
}

/**
 * Finds the header's key in the keyring and proves it is the right one with the header's key check,
 * so a wrong key is named as such instead of surfacing as an authentication failure of chunk 0.
 * Returns the file's chunk key.
 */
function unlock(header: ParsedHeader, keyring: BackupKeyring): Buffer {
  const masterKey = keyring.get(header.keyId);
  if (!masterKey) {
    const configured = [...keyring.keys()].join(", ") || "none";
    throw new BackupError(
      "key-not-configured",
      `cannot decrypt: key id ${header.keyId} not configured (the backup was encrypted with it; configured: ` +
        `${configured}). Set BACKUP_ENCRYPTION_KEY with BACKUP_ENCRYPTION_KEY_ID=${header.keyId}, or add ` +
        `${header.keyId}:<base64 key> to BACKUP_ENCRYPTION_KEYS.`,
    );
  }
  const expected = deriveKey(masterKey, header.salt, KEY_CHECK_INFO);
  if (!timingSafeEqual(expected, header.keyCheck)) {
    throw new BackupError(
      "wrong-key",
      `cannot decrypt: wrong BACKUP_ENCRYPTION_KEY for key id ${header.keyId} (the configured key is ` +
        "not the one that encrypted this backup). Configure the key that was in use when it was made.",
    );
  }
  return deriveKey(masterKey, header.salt, CHUNK_KEY_INFO);
}

/** Reads and checks a file's header without decrypting anything: fails fast on a wrong key. */
export async function readBackupHeader(filePath: string, keyring?: BackupKeyring): Promise<BackupHeader> {
  const file = await open(filePath, "r");
  try {
    const buffer = Buffer.alloc(MAX_HEADER_BYTES);
    const { bytesRead } = await file.read(buffer, 0, MAX_HEADER_BYTES, 0);
    const header = parseHeader(buffer.subarray(0, bytesRead));
    if (!header) {
      throw new BackupError("corrupt", `corrupt backup: ${filePath} ends inside its header (truncated).`);
    }
    if (keyring) unlock(header, keyring);
    return { formatVersion: header.formatVersion, keyId: header.keyId, chunkBytes: header.chunkBytes };
  } finally {
    await file.close();
  }
}

export interface EncryptOptions {
  /** Plaintext bytes per chunk (default 64 KiB). Tests use small sizes to cross chunk boundaries. */
  chunkBytes?: number;
}

/**
 * A stream that turns plaintext into the encrypted format. Every full chunk is sealed as soon as it
 * is complete; the final chunk, always shorter than a full one (empty when the plaintext is a whole
 * number of chunks), is sealed when the input ends.
 */
export function createEncryptStream(key: BackupKey, options: EncryptOptions = {}): Transform {
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  if (!Number.isInteger(chunkBytes) || chunkBytes < MIN_CHUNK_BYTES || chunkBytes > MAX_CHUNK_BYTES) {
    throw new RangeError(`chunkBytes must be an integer from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}.`);
  }
  if (!KEY_ID.test(key.id)) {
    throw new BackupError("config", `key id "${key.id}" must be 1 to 32 letters, digits, "-" or "_".`);
  }
  if (key.key.length !== KEY_BYTES) {
    throw new BackupError("config", `the encryption key must be ${KEY_BYTES} bytes, got ${key.key.length}.`);
  }
  // A fresh random salt per file gives every file its own chunk key, so the counter nonces below
  // never repeat under one key, however many files one master key encrypts.
  const salt = randomBytes(SALT_BYTES);
  const header = encodeHeader(key.id, chunkBytes, salt, deriveKey(key.key, salt, KEY_CHECK_INFO));
  const chunkKey = deriveKey(key.key, salt, CHUNK_KEY_INFO);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0n;
  let headerSent = false;

  const seal = (stream: Transform, plaintext: Buffer, final: boolean) => {
    if (!headerSent) {
      stream.push(header);
      headerSent = true;
    }
    const cipher = createCipheriv("aes-256-gcm", chunkKey, nonceFor(index), { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(header, final));
    stream.push(Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]));
    index += 1n;
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let offset = 0;
      while (pending.length - offset >= chunkBytes) {
        seal(this, pending.subarray(offset, offset + chunkBytes), false);
        offset += chunkBytes;
      }
      pending = pending.subarray(offset);
      callback();
    },
    flush(callback: TransformCallback) {
      seal(this, pending, true);
      callback();
    },
  });
}

/**
 * A stream that turns the encrypted format back into plaintext, looking the key up by the header's
 * key id. It errors with a BackupError (wrong key, corrupt chunk, truncation, unknown version) and
 * never passes on a chunk that failed authentication. Chunks before a damaged one have already been
 * passed on by then: consumers must treat their output as void when the stream errors (restore runs
 * pg_restore in one transaction, which the error rolls back).
 */
export function createDecryptStream(keyring: BackupKeyring): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let header: ParsedHeader | undefined;
  let chunkKey: Buffer | undefined;
  let index = 0n;

  const open = (record: Buffer, final: boolean): Buffer => {
    if (!header || !chunkKey) throw new Error("decrypt: chunk before header");
    const ciphertext = record.subarray(0, record.length - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", chunkKey, nonceFor(index), { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(header.bytes, final));
    decipher.setAuthTag(record.subarray(record.length - TAG_BYTES));
    try {
      const plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      index += 1n;
      return plaintext;
    } catch {
      throw new BackupError(
        "corrupt",
        `corrupt backup: chunk ${index} failed authentication (the file was damaged or changed after it ` +
          "was written, or chunks were reordered, removed or appended). Restore another backup.",
      );
    }
  };

  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        if (!header) {
          header = parseHeader(buffered);
          if (!header) return callback();
          chunkKey = unlock(header, keyring);
          buffered = buffered.subarray(header.bytes.length);
        }
        // A full-size record is never the final one (the writer keeps the final chunk shorter), so it
        // can be opened at once, without waiting to see whether more input follows.
        const recordBytes = header.chunkBytes + TAG_BYTES;
        let offset = 0;
        while (buffered.length - offset >= recordBytes) {
          this.push(open(buffered.subarray(offset, offset + recordBytes), false));
          offset += recordBytes;
        }
        buffered = buffered.subarray(offset);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!header) {
          // transform() would have parsed a complete header: the input ended inside it.
          throw buffered.length === 0
            ? new BackupError("not-a-backup", "not a Shipshape encrypted backup: the file is empty.")
            : new BackupError("corrupt", "corrupt backup: the file ends inside its header (truncated).");
        }
        if (buffered.length < TAG_BYTES) {
          throw new BackupError(
            "corrupt",
            "corrupt backup: the file ends before its final chunk (truncated). Restore another backup.",
          );
        }
        this.push(open(buffered, true));
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}
