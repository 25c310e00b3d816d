import { describe, expect, it } from "vitest";
import { generateRecoveryCodes, hashPassword, matchRecoveryCode, RECOVERY_CODE_COUNT } from "@/lib/auth";

describe("generateRecoveryCodes", () => {
  it("makes 10 distinct codes of 10 Crockford base32 characters (50 bits), grouped 5-5", async () => {
    const { codes, hashes } = await generateRecoveryCodes();
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/);
    expect(new Set(codes).size).toBe(codes.length);
    expect(hashes).toHaveLength(codes.length);
  });

  it("stores salted argon2id hashes, never the codes", async () => {
    const { codes, hashes } = await generateRecoveryCodes(2);
    for (const hash of hashes) expect(hash).toMatch(/^\$argon2id\$v=19\$/);
    expect(hashes.join()).not.toContain((codes[0] as string).replace("-", ""));
    expect(new Set(hashes).size).toBe(2);
  });

  it("draws every character of the alphabet", async () => {
    const { codes } = await generateRecoveryCodes(60);
    // 600 random characters from 32 miss one with a chance of 1 in 5 million; a generator stuck on
    // part of the alphabet misses some every time.
    expect(new Set(codes.join("").replace(/-/g, "")).size).toBe(32);
  });
});

describe("matchRecoveryCode", () => {
  it("finds the index of the code typed, so the caller can mark that code used", async () => {
    const { codes, hashes } = await generateRecoveryCodes(4);
    for (const [index, code] of codes.entries()) expect(await matchRecoveryCode(code, hashes)).toBe(index);
  });

  it("accepts any case, spaces instead of the dash, no dash, and Crockford's look-alikes", async () => {
    // A known code, hashed in its canonical form as generateRecoveryCodes does, so that the
    // look-alike letters (I and l for 1, O for 0) can be typed.
    const known = [await hashPassword("10abcdefgh")];
    for (const typed of [
      "10abc-defgh",
      "10ABCDEFGH",
      " 10abc defgh ",
      "IOabc-defgh",
      "lOABC-DEFGH",
      "1 0 a b c d e f g h",
    ]) {
      expect(await matchRecoveryCode(typed, known)).toBe(0);
    }
  });

  it("returns null for a wrong or malformed code, without hashing malformed ones", async () => {
    const { codes, hashes } = await generateRecoveryCodes(3);
    const code = codes[0] as string;
    const wrong = `${code.slice(0, -1)}${code.endsWith("0") ? "1" : "0"}`;
    expect(await matchRecoveryCode(wrong, hashes)).toBeNull();
    expect(await matchRecoveryCode("", hashes)).toBeNull();
    expect(await matchRecoveryCode(code.slice(0, -1), hashes)).toBeNull();
    expect(await matchRecoveryCode(`${code}0`, hashes)).toBeNull();
    expect(await matchRecoveryCode("uuuuu-uuuuu", hashes)).toBeNull();
    expect(await matchRecoveryCode(code, [])).toBeNull();
    // A malformed code never reaches argon2, so a corrupt stored hash does not matter for it.
    expect(await matchRecoveryCode("not a code", ["corrupt"])).toBeNull();
  });

  it("matches a used code no more once the caller removed its hash", async () => {
    const { codes, hashes } = await generateRecoveryCodes(3);
    const index = await matchRecoveryCode(codes[1] as string, hashes);
    expect(index).toBe(1);
    const remaining = hashes.filter((_, i) => i !== index);
    expect(await matchRecoveryCode(codes[1] as string, remaining)).toBeNull();
    expect(await matchRecoveryCode(codes[2] as string, remaining)).toBe(1);
  });
});
