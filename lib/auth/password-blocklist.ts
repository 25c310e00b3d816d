import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";

// The offline list of common and breached passwords, stored as a Golomb-coded set (GCS): each
// password is hashed to a number in [0, N·2^k), the sorted numbers' gaps are Rice-coded with k
// bits of remainder. It answers "is this password in the list?" with no false negatives and a
// false-positive rate of 2^-k (k = 10: 0.098%, one strong password in ~1000 is wrongly refused and
// the user picks another). At about 11.6 bits per entry it is 20% smaller than a Bloom filter with
// the same rate, and a third of the size of the same list as gzipped text (687 KB against 2 MB).
//
// File layout: "GCS1" | k (1 byte) | N (uint32, big-endian) | Rice-coded gaps, most significant bit
// first. scripts/build-password-blocklist.ts writes it; lib/auth/data/README.md says where the list
// comes from.

/** Where the committed blocklist lives, relative to the app's working directory (the repo root). */
export const BLOCKLIST_PATH = path.join(process.cwd(), "lib", "auth", "data", "common-passwords.gcs");

const MAGIC = "GCS1";
const HEADER_BYTES = 9;
/** Bits of remainder per entry; the false-positive rate is 2^-k. */
export const BLOCKLIST_RICE_BITS = 10;

/** The form compared: NFKC (as passwords are normalised) and lowercase, so "PassWord1" is caught too. */
export function blocklistKey(password: string): string {
  return password.normalize("NFKC").toLowerCase();
}

/** The entry's position in [0, range): the first 64 bits of its SHA-256, modulo range. */
function hashToRange(key: string, range: number): number {
  const digest = createHash("sha256").update(key, "utf8").digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(range));
}

/** Encodes the passwords (already filtered; duplicates are fine) as a Golomb-coded set. */
export function encodeBlocklist(passwords: Iterable<string>, riceBits = BLOCKLIST_RICE_BITS): Buffer {
  const keys = new Set(Array.from(passwords, blocklistKey));
  const range = keys.size * 2 ** riceBits;
  if (range > 2 ** 32)
    throw new Error("encodeBlocklist: too many entries for 32-bit values; lower riceBits.");
  const values = Uint32Array.from(keys, (key) => hashToRange(key, range)).sort();

  const bytes: number[] = [];
  let current = 0;
  let used = 0;
  const writeBit = (bit: number) => {
    current = (current << 1) | bit;
    if (++used === 8) {
      bytes.push(current);
      current = 0;
      used = 0;
    }
  };
  let previous = 0;
  for (const value of values) {
    const gap = value - previous;
    previous = value;
    for (let q = gap >>> riceBits; q > 0; q--) writeBit(1);
    writeBit(0);
    for (let bit = riceBits - 1; bit >= 0; bit--) writeBit((gap >>> bit) & 1);
  }
  if (used > 0) bytes.push(current << (8 - used));

  const header = Buffer.alloc(HEADER_BYTES);
  header.write(MAGIC, 0, "ascii");
  header.writeUInt8(riceBits, 4);
  header.writeUInt32BE(keys.size, 5);
  return Buffer.concat([header, Buffer.from(bytes)]);
}

/** A decoded blocklist: the sorted hash values, searched by bisection. */
export class PasswordBlocklist {
  private constructor(
    private readonly values: Uint32Array,
    private readonly range: number,
  ) {}

  static decode(data: Buffer): PasswordBlocklist {
    if (data.length < HEADER_BYTES || data.toString("ascii", 0, 4) !== MAGIC) {
      throw new Error(
        "PasswordBlocklist: not a GCS1 blocklist file. Rebuild it with `tsx scripts/build-password-blocklist.ts`.",
      );
    }
    const riceBits = data.readUInt8(4);
    const count = data.readUInt32BE(5);
    const values = new Uint32Array(count);
    let position = HEADER_BYTES * 8;
    const end = data.length * 8;
    const readBit = () => {
      if (position >= end) throw new Error("PasswordBlocklist: the file is truncated. Rebuild it.");
      const bit = ((data[position >>> 3] as number) >>> (7 - (position & 7))) & 1;
      position++;
      return bit;
    };
    let previous = 0;
    for (let i = 0; i < count; i++) {
      let quotient = 0;
      while (readBit() === 1) quotient++;
      let remainder = 0;
      for (let bit = 0; bit < riceBits; bit++) remainder = remainder * 2 + readBit();
      previous += quotient * 2 ** riceBits + remainder;
      values[i] = previous;
    }
    return new PasswordBlocklist(values, count * 2 ** riceBits);
  }

  get size(): number {
    return this.values.length;
  }

  has(password: string): boolean {
    if (this.values.length === 0) return false;
    const target = hashToRange(blocklistKey(password), this.range);
    let low = 0;
    let high = this.values.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const value = this.values[middle] as number;
      if (value === target) return true;
      if (value < target) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }
}

let loaded: PasswordBlocklist | undefined;

/** The committed blocklist, read and decoded on first use (well under 100 ms), then kept for the process. */
export function commonPasswords(): PasswordBlocklist {
  if (!loaded) {
    let data: Buffer;
    try {
      data = readFileSync(BLOCKLIST_PATH);
    } catch (error) {
      throw new Error(
        `The password blocklist ${BLOCKLIST_PATH} could not be read (${(error as Error).message}). Run the app from the repository root, or rebuild the file with \`tsx scripts/build-password-blocklist.ts\`.`,
      );
    }
    loaded = PasswordBlocklist.decode(data);
  }
  return loaded;
}
