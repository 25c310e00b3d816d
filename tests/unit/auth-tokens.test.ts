import { describe, expect, it } from "vitest";
import { createToken, hashToken, tokensEqual } from "@/lib/auth";

describe("createToken", () => {
  it("is 32 random bytes in base64url: 43 URL-safe characters", () => {
    const token = createToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, "base64url")).toHaveLength(32);
  });

  it("never repeats and uses the whole byte range", () => {
    const tokens = Array.from({ length: 1000 }, createToken);
    expect(new Set(tokens).size).toBe(1000);
    // 32,000 random bytes cover all 256 values; a broken generator (zeros, a counter) would not.
    const bytes = new Set(tokens.flatMap((token) => [...Buffer.from(token, "base64url")]));
    expect(bytes.size).toBe(256);
  });
});

describe("hashToken", () => {
  it("is the SHA-256 of the token, in hex", () => {
    // FIPS 180-2's test vector for "abc".
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("is stable for a token and differs between tokens", () => {
    const token = createToken();
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toBe(hashToken(createToken()));
    expect(hashToken(token)).not.toContain(token);
  });
});

describe("tokensEqual", () => {
  it("compares whole strings, including strings of different lengths", () => {
    const token = createToken();
    expect(tokensEqual(token, `${token}`)).toBe(true);
    expect(tokensEqual(token, createToken())).toBe(false);
    expect(tokensEqual(token, token.slice(0, -1))).toBe(false);
    expect(tokensEqual("", token)).toBe(false);
  });
});
