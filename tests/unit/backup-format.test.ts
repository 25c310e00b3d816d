import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { type BackupKey, createDecryptStream, createEncryptStream } from "@/lib/backup";

const CHUNK = 1024;
const TAG = 16;
const key: BackupKey = { id: "k1", key: randomBytes(32) };
const keyring = new Map([[key.id, key.key]]);

/** Feeds `data` in pieces of `pieceBytes` through `transform`, collecting the output. */
async function run(transform: NodeJS.ReadWriteStream, data: Buffer, pieceBytes = 333): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += pieceBytes) {
    pieces.push(data.subarray(offset, offset + pieceBytes));
  }
  const output: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        output.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(output);
}

const encrypt = (data: Buffer, pieceBytes?: number) =>
  run(createEncryptStream(key, { chunkBytes: CHUNK }), data, pieceBytes);
const decrypt = (data: Buffer, ring: ReadonlyMap<string, Buffer> = keyring, pieceBytes?: number) =>
  run(createDecryptStream(ring), data, pieceBytes);

// magic 8, version 1, id length 1, "k1" 2, chunk size 4, salt 32, key check 32.
const HEADER = 8 + 1 + 1 + 2 + 4 + 32 + 32;

describe("backup file format", () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 5 * CHUNK + 7])(
    "round-trips %i bytes, with one final chunk shorter than a full one",
    async (size) => {
      const plaintext = randomBytes(size);
      const encrypted = await encrypt(plaintext);
      // Every full chunk, then a final chunk of the rest (empty when size is a multiple of CHUNK).
      const records = Math.floor(size / CHUNK) + 1;
      expect(encrypted.length).toBe(HEADER + size + records * TAG);
      expect(encrypted.subarray(0, 8).toString("ascii")).toBe("SHIPBKUP");
      // Pieces of 1 byte and of several chunks both cross the record boundaries inside one write.
      expect((await decrypt(encrypted, keyring, 1)).equals(plaintext)).toBe(true);
      expect((await decrypt(encrypted, keyring, 5000)).equals(plaintext)).toBe(true);
    },
  );

  it("round-trips with the default 64 KiB chunks", async () => {
    const plaintext = randomBytes(200_000);
    const encrypted = await run(createEncryptStream(key), plaintext, 65_536);
    expect((await decrypt(encrypted)).equals(plaintext)).toBe(true);
  });

  it("gives every file its own salt, so equal plaintexts encrypt differently", async () => {
    const plaintext = Buffer.from("same dump");
    expect((await encrypt(plaintext)).equals(await encrypt(plaintext))).toBe(false);
  });

  it("detects truncation at a chunk boundary (the final chunk is missing)", async () => {
    const encrypted = await encrypt(randomBytes(3 * CHUNK + 10));
    const withoutFinal = encrypted.subarray(0, HEADER + 3 * (CHUNK + TAG));
    await expect(decrypt(withoutFinal)).rejects.toMatchObject({ code: "corrupt", message: /truncated/ });
  });

  it("detects an empty final chunk cut off a plaintext that is a whole number of chunks", async () => {
    const encrypted = await encrypt(randomBytes(2 * CHUNK));
    await expect(decrypt(encrypted.subarray(0, encrypted.length - TAG))).rejects.toMatchObject({
      code: "corrupt",
      message: /truncated/,
    });
  });

  it("detects truncation inside a chunk", async () => {
    const encrypted = await encrypt(randomBytes(3 * CHUNK + 10));
    await expect(decrypt(encrypted.subarray(0, HEADER + CHUNK + 100))).rejects.toMatchObject({
      code: "corrupt",
      message: /chunk 0 failed authentication/,
    });
  });

  it("detects reordered chunks", async () => {
    const encrypted = await encrypt(randomBytes(3 * CHUNK + 10));
    const record = (i: number) =>
      encrypted.subarray(HEADER + i * (CHUNK + TAG), HEADER + (i + 1) * (CHUNK + TAG));
    const swapped = Buffer.concat([
      encrypted.subarray(0, HEADER),
      record(1),
      record(0),
      encrypted.subarray(HEADER + 2 * (CHUNK + TAG)),
    ]);
    await expect(decrypt(swapped)).rejects.toMatchObject({ code: "corrupt", message: /chunk 0 failed/ });
  });

  it("detects bytes appended after the final chunk", async () => {
    const encrypted = await encrypt(randomBytes(CHUNK + 10));
    await expect(decrypt(Buffer.concat([encrypted, Buffer.from("x")]))).rejects.toMatchObject({
      code: "corrupt",
    });
  });

  it("detects one changed byte, and passes on no plaintext of the damaged chunk", async () => {
    const plaintext = randomBytes(3 * CHUNK);
    const encrypted = await encrypt(plaintext);
    const inChunk2 = HEADER + 2 * (CHUNK + TAG) + 5;
    encrypted[inChunk2] = (encrypted[inChunk2] as number) ^ 0x01;
    const output: Buffer[] = [];
    const decryptStream = createDecryptStream(keyring);
    decryptStream.on("data", (chunk: Buffer) => output.push(chunk));
    const failure = pipeline(Readable.from([encrypted]), decryptStream);
    await expect(failure).rejects.toMatchObject({
      code: "corrupt",
      message: /chunk 2 failed authentication/,
    });
    expect(Buffer.concat(output).equals(plaintext.subarray(0, 2 * CHUNK))).toBe(true);
  });

  it("authenticates the header: a changed chunk size fails", async () => {
    const encrypted = await encrypt(randomBytes(3 * CHUNK));
    encrypted.writeUInt32BE(CHUNK / 2, 8 + 1 + 1 + 2);
    await expect(decrypt(encrypted)).rejects.toMatchObject({ code: "corrupt" });
  });

  it("names a wrong key, before decrypting anything", async () => {
    const encrypted = await encrypt(randomBytes(100));
    await expect(decrypt(encrypted, new Map([["k1", randomBytes(32)]]))).rejects.toMatchObject({
      code: "wrong-key",
      message: expect.stringContaining("cannot decrypt: wrong BACKUP_ENCRYPTION_KEY for key id k1"),
    });
  });

  it("names a key id that is not configured, and decrypts with an older key kept for it", async () => {
    const encrypted = await encrypt(randomBytes(100));
    await expect(decrypt(encrypted, new Map([["k2", randomBytes(32)]]))).rejects.toMatchObject({
      code: "key-not-configured",
      message: expect.stringContaining("cannot decrypt: key id k1 not configured"),
    });
    const rotated = new Map([
      ["k2", randomBytes(32)],
      ["k1", key.key],
    ]);
    expect((await decrypt(encrypted, rotated)).length).toBe(100);
  });

  it("refuses a format version it does not know", async () => {
    const encrypted = await encrypt(randomBytes(100));
    encrypted[8] = 2;
    await expect(decrypt(encrypted)).rejects.toMatchObject({
      code: "unsupported-format",
      message: expect.stringContaining("unsupported backup format version 2"),
    });
  });

  it("refuses what is not a backup: other bytes, or nothing", async () => {
    await expect(decrypt(Buffer.from("PGDMP plain dump"))).rejects.toMatchObject({ code: "not-a-backup" });
    await expect(decrypt(Buffer.alloc(0))).rejects.toMatchObject({ code: "not-a-backup" });
    const encrypted = await encrypt(randomBytes(10));
    await expect(decrypt(encrypted.subarray(0, 20))).rejects.toMatchObject({
      code: "corrupt",
      message: /header/,
    });
  });
});
