// Backups in the age format (age-encryption.org/v1), written and read with `age-encryption`, the
// TypeScript implementation by age's author. A backup encrypted here decrypts with the `age` command
// line tool (`age -d -i key.txt file.dump.age`), so a restore never needs this repository.
// FORMAT.md beside this file says what the files hold; decision 0039 says why age.
//
// The library works on web streams; pg_dump and pg_restore are Node streams. Each direction is one
// async generator stage of a Node pipeline, so backpressure and errors cross the boundary as in any
// other stage: memory holds a few 64 KiB chunks whatever the size of the dump.

import { open } from "node:fs/promises";
import { ReadableStream as NodeReadableStream } from "node:stream/web";
import { Decrypter, Encrypter } from "age-encryption";
import { BackupError } from "./errors";

/** The first line of every age file. */
export const AGE_FORMAT = "age-encryption.org/v1";
const AGE_MAGIC = Buffer.from(`${AGE_FORMAT}\n`, "ascii");

/** What new backups are encrypted to: public keys (the server needs no secret), or one passphrase. */
export type AgeEncryption =
  | { recipients: readonly string[] }
  | {
      passphrase: string;
      /**
       * log2 of scrypt's cost. Default 18, age's own: about 256 MiB and a few seconds per file, on
       * purpose (it is what makes guessing the passphrase slow). Tests pass a lower one.
       */
      scryptWorkFactor?: number;
    };

/** What a restore may decrypt with: identities (private keys) and a passphrase. */
export interface AgeKeys {
  identities: readonly string[];
  passphrase?: string | undefined;
}

// X25519 keys only: Debian's `age` (1.1) reads no post-quantum (age1pq1…) or tag recipients, and a
// backup that the standard tool cannot read would break the promise of restoring without the app.
const X25519_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;
const X25519_IDENTITY = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

/** True for an `age1…` X25519 public key that the library accepts (the bech32 checksum included). */
export function isAgeRecipient(value: string): boolean {
  if (!X25519_RECIPIENT.test(value)) return false;
  try {
    new Encrypter().addRecipient(value);
    return true;
  } catch {
    return false;
  }
}

/** True for an `AGE-SECRET-KEY-1…` X25519 identity that the library accepts. */
export function isAgeIdentity(value: string): boolean {
  if (!X25519_IDENTITY.test(value)) return false;
  try {
    new Decrypter().addIdentity(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * The identities in an age identity file (as `age-keygen` writes it) or an environment variable:
 * one per line, `#` comments and blank lines ignored; commas also separate, for a one-line variable.
 */
export function parseIdentities(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Does the file start with age's version line? */
export async function isAgeFile(filePath: string): Promise<boolean> {
  const file = await open(filePath, "r");
  try {
    const start = Buffer.alloc(AGE_MAGIC.length);
    const { bytesRead } = await file.read(start, 0, start.length, 0);
    return bytesRead === AGE_MAGIC.length && start.equals(AGE_MAGIC);
  } finally {
    await file.close();
  }
}

function encrypterFor(encryption: AgeEncryption): Encrypter {
  const encrypter = new Encrypter();
  if ("passphrase" in encryption) {
    encrypter.setScryptWorkFactor(encryption.scryptWorkFactor ?? 18);
    encrypter.setPassphrase(encryption.passphrase);
  } else {
    if (encryption.recipients.length === 0) {
      throw new BackupError("config", "an age backup needs at least one recipient.");
    }
    for (const recipient of encryption.recipients) encrypter.addRecipient(recipient);
  }
  return encrypter;
}

function decrypterFor(keys: AgeKeys): Decrypter {
  const decrypter = new Decrypter();
  for (const identity of keys.identities) decrypter.addIdentity(identity);
  if (keys.passphrase) decrypter.addPassphrase(keys.passphrase);
  return decrypter;
}

/**
 * A web stream over a Node stream's chunks. It pulls from the iterable only as the reader reads, so
 * backpressure holds. (Node's type and the global one the library names differ only on paper.)
 */
function webStreamOf(chunks: AsyncIterable<Buffer>): ReadableStream<Uint8Array> {
  return NodeReadableStream.from(chunks) as unknown as ReadableStream<Uint8Array>;
}

/** Web streams hand out Uint8Array views; Node's file and pipe streams want Buffers. */
async function* asBuffers(chunks: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks as unknown as AsyncIterable<Uint8Array>)
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** A pipeline stage: plaintext in, an age file out. */
export function ageEncryptStage(encryption: AgeEncryption) {
  const encrypter = encrypterFor(encryption);
  return async function* encrypt(plaintext: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const ciphertext = await encrypter.encrypt(webStreamOf(plaintext));
    yield* asBuffers(ciphertext);
  };
}

/** Turns the library's errors into BackupErrors that say what is wrong and what to do. */
function describeAgeError(error: unknown, keys: AgeKeys, recipients: readonly string[]): BackupError {
  if (error instanceof BackupError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes("no identity matched")) {
    const encryptedTo =
      recipients.length > 0 ? `it was encrypted to ${recipients.join(", ")}` : "it names its recipients";
    const have =
      [
        keys.identities.length > 0 ? `${keys.identities.length} identities` : "",
        keys.passphrase ? "BACKUP_PASSPHRASE" : "",
      ]
        .filter(Boolean)
        .join(" and ") || "none";
    return new BackupError(
      "wrong-key",
      `cannot decrypt: none of the configured keys (${have}) opens this backup (${encryptedTo} in its ` +
        "manifest). Use the identity whose public key was in BACKUP_RECIPIENTS when it was made " +
        "(`age-keygen -y key.txt` prints an identity's public key), or that backup's passphrase.",
    );
  }
  if (message.includes("stream ended") || message.includes("too small")) {
    return new BackupError(
      "corrupt",
      "corrupt backup: the age file ends early (truncated). Restore another backup.",
    );
  }
  return new BackupError(
    "corrupt",
    `corrupt backup: the age file failed authentication (${message}): it was damaged or changed after ` +
      "it was written. Restore another backup (or another copy of this one).",
  );
}

/**
 * Opens an age file's header with the keys: the identity check and the header's MAC, before any
 * payload is read. Throws "wrong-key" or "corrupt" as a BackupError.
 */
export async function checkAgeHeader(
  readFile: () => AsyncIterable<Buffer>,
  keys: AgeKeys,
  recipients: readonly string[],
): Promise<void> {
  try {
    // The library resolves once the header is processed; cancelling then reads no further.
    const plaintext = await decrypterFor(keys).decrypt(webStreamOf(readFile()));
    await plaintext.cancel();
  } catch (error) {
    throw describeAgeError(error, keys, recipients);
  }
}

/**
 * A pipeline stage: an age file in, plaintext out. Each 64 KiB chunk is passed on only after its tag
 * verified; `onError` runs before the error propagates, so a consumer can be stopped before the
 * pipeline closes its input (restore kills pg_restore there, so a cut-off archive is never taken
 * for a whole one).
 */
export function ageDecryptStage(keys: AgeKeys, recipients: readonly string[], onError: () => void) {
  const decrypter = decrypterFor(keys);
  return async function* decrypt(ciphertext: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    try {
      yield* asBuffers(await decrypter.decrypt(webStreamOf(ciphertext)));
    } catch (error) {
      onError();
      throw describeAgeError(error, keys, recipients);
    }
  };
}
