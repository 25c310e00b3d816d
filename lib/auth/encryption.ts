import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { logger } from "../log";
import { authConfig, DEVELOPMENT_KEY_ID, type EncryptionKey } from "./config";

// AES-256-GCM for secrets the server must read back (TOTP secrets), as opposed to hashing.
// Stored form: "v1.<keyId>.<iv>.<ciphertext>.<tag>", the last three base64url. The key id says which
// key of AUTH_ENCRYPTION_KEYS to decrypt with, so keys can be rotated: put a new key first, keep the
// old ones after it, run reencryptSecret over the stored rows, then drop the old keys.
// `context` is GCM's additional authenticated data: pass the owner (e.g. `user:<id>:totp`) so a
// ciphertext copied into another row fails to decrypt.

const VERSION = "v1";
const IV_BYTES = 12; // GCM's standard nonce size; random per encryption.
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export type SecretDecryptionFailure = "malformed" | "unknown-key" | "authentication-failed";

/** Thrown by decryptSecret and reencryptSecret; `reason` tells the three failures apart. */
export class SecretDecryptionError extends Error {
  constructor(
    readonly reason: SecretDecryptionFailure,
    message: string,
  ) {
    super(message);
    this.name = "SecretDecryptionError";
  }
}

let warnedAboutDevelopmentKey = false;

/** AUTH_ENCRYPTION_KEYS (or the development key outside production). */
function configuredKeys(): readonly EncryptionKey[] {
  const keys = authConfig().encryptionKeys;
  if (keys[0]?.id === DEVELOPMENT_KEY_ID && !warnedAboutDevelopmentKey) {
    warnedAboutDevelopmentKey = true;
    logger.warn(
      "AUTH_ENCRYPTION_KEYS is not set, so secrets at rest use the public development key. Set it before storing real data.",
    );
  }
  return keys;
}

function requireContext(context: string, caller: string): Buffer {
  if (typeof context !== "string" || context.length === 0) {
    throw new TypeError(
      `${caller}: pass a non-empty context naming the owner of the secret, such as \`user:\${userId}:totp\`.`,
    );
  }
  return Buffer.from(context, "utf8");
}

/** Encrypts `plaintext` with the current (first) key, bound to `context`. */
export function encryptSecret(
  plaintext: string,
  context: string,
  keys: readonly EncryptionKey[] = configuredKeys(),
): string {
  const aad = requireContext(context, "encryptSecret");
  const current = keys[0];
  if (!current) throw new Error("encryptSecret: no encryption key is configured (AUTH_ENCRYPTION_KEYS).");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", current.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, current.id, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

type ParsedCiphertext = { keyId: string; iv: Buffer; ciphertext: Buffer; tag: Buffer };

function parseCiphertext(stored: string): ParsedCiphertext {
  const malformed = (detail: string) =>
    new SecretDecryptionError(
      "malformed",
      `decryptSecret: the stored value is not an encrypted secret of the form v1.<keyId>.<iv>.<ciphertext>.<tag> (${detail}). Check what was saved in this column.`,
    );
  if (typeof stored !== "string") throw malformed("it is not a string");
  const parts = stored.split(".");
  if (parts.length !== 5) throw malformed(`it has ${parts.length} dot-separated parts instead of 5`);
  const [version, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw malformed(`unknown version "${version.slice(0, 10)}"`);
  if (!keyId || ![iv, ciphertext, tag].every((part) => BASE64URL.test(part))) {
    throw malformed("a part is empty or not base64url");
  }
  const parsed = {
    keyId,
    iv: Buffer.from(iv, "base64url"),
    ciphertext: Buffer.from(ciphertext, "base64url"),
    tag: Buffer.from(tag, "base64url"),
  };
  if (parsed.iv.length !== IV_BYTES) throw malformed(`the IV is ${parsed.iv.length} bytes, not ${IV_BYTES}`);
  if (parsed.tag.length !== TAG_BYTES)
    throw malformed(`the tag is ${parsed.tag.length} bytes, not ${TAG_BYTES}`);
  return parsed;
}

/**
 * Decrypts a value made by encryptSecret with the same `context`. Throws SecretDecryptionError when
 * the value is malformed, its key id is not configured, or GCM authentication fails (altered data,
 * another context, or a key id whose key value changed).
 */
export function decryptSecret(
  stored: string,
  context: string,
  keys: readonly EncryptionKey[] = configuredKeys(),
): string {
  const aad = requireContext(context, "decryptSecret");
  const { keyId, iv, ciphertext, tag } = parseCiphertext(stored);
  const key = keys.find((candidate) => candidate.id === keyId);
  if (!key) {
    throw new SecretDecryptionError(
      "unknown-key",
      `decryptSecret: the secret was encrypted with key id "${keyId}", which is not in AUTH_ENCRYPTION_KEYS (configured: ${keys.map((k) => k.id).join(", ") || "none"}). Add that key back after the current one until reencryptSecret has moved every row to the current key.`,
    );
  }
  const decipher = createDecipheriv("aes-256-gcm", key.key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretDecryptionError(
      "authentication-failed",
      `decryptSecret: authentication failed with key id "${keyId}": the stored value was altered, it belongs to another record (the context differs), or the key "${keyId}" now has a different value than when it was encrypted.`,
    );
  }
}

/**
 * Key rotation: decrypts with whichever key it names and encrypts again with the current key.
 * Returns `stored` unchanged when it already uses the current key (after checking it decrypts), so
 * a rotation job writes only the rows whose value changed.
 */
export function reencryptSecret(
  stored: string,
  context: string,
  keys: readonly EncryptionKey[] = configuredKeys(),
): string {
  const plaintext = decryptSecret(stored, context, keys);
  if (parseCiphertext(stored).keyId === keys[0]?.id) return stored;
  return encryptSecret(plaintext, context, keys);
}
