// The age stages of lib/backup (lib/backup/age.ts) on their own: what they write, and every kind of
// damage a reader must refuse. The integration tests run the same stages between pg_dump and pg_restore.
import { randomBytes } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { describe, expect, it } from "vitest";
import { ageDecryptStage, ageEncryptStage, checkAgeHeader } from "@/lib/backup/age";

const identity = await generateIdentity();
const recipient = await identityToRecipient(identity);
const CHUNK = 64 * 1024;

/** Feeds `data` through a stage in pieces of `pieceBytes`, collecting what comes out. */
async function run(stage: (input: AsyncIterable<Buffer>) => AsyncGenerator<Buffer>, data: Buffer) {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += 10_000)
    pieces.push(data.subarray(offset, offset + 10_000));
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(pieces),
    stage,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

const encrypt = (data: Buffer) => run(ageEncryptStage({ recipients: [recipient] }), data);
const decrypt = (data: Buffer, identities = [identity], onError = () => {}) =>
  run(ageDecryptStage({ identities }, [recipient], onError), data);

/** Where the payload's chunks start: after the header's MAC line and the 16-byte nonce. */
function payloadOffset(file: Buffer): number {
  const macLine = file.indexOf("\n--- ");
  return file.indexOf("\n", macLine + 1) + 1 + 16;
}

describe("backups in the age format", () => {
  const plaintext = randomBytes(3 * CHUNK + 123);

  it("round-trips, and writes a standard age header naming the X25519 recipient", async () => {
    const file = await encrypt(plaintext);
    expect(file.subarray(0, 22).toString("ascii")).toBe("age-encryption.org/v1\n");
    expect(file.toString("latin1")).toMatch(/\n-> X25519 \S+\n/);
    // 16 bytes of tag per 64 KiB chunk, plus the header and nonce.
    expect(file.length - payloadOffset(file)).toBe(plaintext.length + 4 * 16);
    expect((await decrypt(file)).equals(plaintext)).toBe(true);
  });

  it("refuses a flipped byte, passing on no plaintext of the damaged chunk, and stops the consumer first", async () => {
    const file = await encrypt(plaintext);
    const offset = payloadOffset(file) + 2 * (CHUNK + 16) + 500;
    file[offset] = (file[offset] as number) ^ 0x01;
    let stopped = false;
    const out: Buffer[] = [];
    await expect(
      pipeline(
        Readable.from([file]),
        ageDecryptStage({ identities: [identity] }, [recipient], () => {
          stopped = true;
        }),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            out.push(chunk);
            callback();
          },
        }),
      ),
    ).rejects.toMatchObject({ code: "corrupt", message: expect.stringContaining("failed authentication") });
    expect(stopped).toBe(true);
    // At most the two chunks before the damaged one reached the consumer.
    expect(Buffer.concat(out).length).toBeLessThanOrEqual(2 * CHUNK);
  });

  it("refuses truncation at a chunk boundary, inside a chunk, and bytes appended", async () => {
    const file = await encrypt(plaintext);
    const start = payloadOffset(file);
    const atBoundary = file.subarray(0, start + 2 * (CHUNK + 16));
    const inside = file.subarray(0, file.length - 40);
    const appended = Buffer.concat([file, Buffer.from("extra")]);
    for (const damaged of [atBoundary, inside, appended]) {
      await expect(decrypt(damaged)).rejects.toMatchObject({ code: "corrupt" });
    }
    await expect(decrypt(file.subarray(0, 60))).rejects.toMatchObject({ code: "corrupt" });
  });

  it("names a wrong identity before reading the payload, listing who the backup is for", async () => {
    const file = await encrypt(plaintext);
    const other = await generateIdentity();
    const failure = { code: "wrong-key", message: expect.stringContaining(`encrypted to ${recipient}`) };
    await expect(decrypt(file, [other])).rejects.toMatchObject(failure);
    await expect(
      checkAgeHeader(() => Readable.from([file]), { identities: [other] }, [recipient]),
    ).rejects.toMatchObject(failure);
    await expect(
      checkAgeHeader(() => Readable.from([file]), { identities: [identity] }, [recipient]),
    ).resolves.toBeUndefined();
    // A changed header (another recipient line) fails its MAC: damage, not a wrong key.
    const header = Buffer.from(file);
    header[30] = (header[30] as number) ^ 0x01;
    await expect(decrypt(header)).rejects.toMatchObject({ code: expect.stringMatching(/corrupt|wrong-key/) });
  });

  it("encrypts to a passphrase (scrypt) that decrypts it, and refuses another passphrase", async () => {
    const encryption = { passphrase: "four random words here", scryptWorkFactor: 10 };
    const file = await run(ageEncryptStage(encryption), plaintext);
    expect(file.toString("latin1")).toMatch(/\n-> scrypt \S+ 10\n/);
    const opened = await run(
      ageDecryptStage({ identities: [], passphrase: encryption.passphrase }, [], () => {}),
      file,
    );
    expect(opened.equals(plaintext)).toBe(true);
    await expect(
      run(
        ageDecryptStage({ identities: [], passphrase: "another passphrase!!" }, [], () => {}),
        file,
      ),
    ).rejects.toMatchObject({ code: "wrong-key" });
  });
});
