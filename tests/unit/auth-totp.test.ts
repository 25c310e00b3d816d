import { generateSync } from "otplib";
import { describe, expect, it } from "vitest";
import { generateTotpSecret, totpQrCode, totpUri, verifyTotp } from "@/lib/auth";

// RFC 6238 appendix B: the SHA-1 secret is the ASCII string "12345678901234567890", here in base32.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
// The RFC lists 8-digit codes; a 6-digit code is their last 6 digits (both are the same number mod 10^6).
const RFC_VECTORS: Array<[seconds: number, code8: string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

const at = (seconds: number) => new Date(seconds * 1000);
/** What an authenticator app shows for `secret` at `seconds`. */
const codeAt = (secret: string, seconds: number) => generateSync({ secret, epoch: seconds });

describe("verifyTotp", () => {
  it("accepts the RFC 6238 SHA-1 test vectors and returns their time step", () => {
    for (const [seconds, code8] of RFC_VECTORS) {
      expect(
        verifyTotp({ secret: RFC_SECRET, code: code8.slice(2), lastUsedStep: null, now: at(seconds) }),
      ).toEqual({
        ok: true,
        step: Math.floor(seconds / 30),
      });
    }
  });

  it("matches otplib's 8-digit output for the RFC vectors (the library itself is right)", () => {
    for (const [seconds, code8] of RFC_VECTORS) {
      expect(generateSync({ secret: RFC_SECRET, epoch: seconds, digits: 8 })).toBe(code8);
    }
  });

  it("refuses a replay of the same code, and accepts the next window's code", () => {
    const secret = generateTotpSecret();
    const now = 56_666_667 * 30 + 10; // 10 s into step 56,666,667
    const first = verifyTotp({ secret, code: codeAt(secret, now), lastUsedStep: null, now: at(now) });
    expect(first).toEqual({ ok: true, step: 56_666_667 });
    if (!first.ok) return;

    // The same code again, a few seconds later: still inside its window, refused as a replay.
    expect(
      verifyTotp({ secret, code: codeAt(secret, now), lastUsedStep: first.step, now: at(now + 5) }),
    ).toEqual({
      ok: false,
    });
    // The next step's code, once it is shown.
    const next = verifyTotp({
      secret,
      code: codeAt(secret, now + 30),
      lastUsedStep: first.step,
      now: at(now + 30),
    });
    expect(next).toEqual({ ok: true, step: first.step + 1 });
    // An older code (previous step) is refused after a newer one was used, though it is within ±1.
    expect(
      verifyTotp({ secret, code: codeAt(secret, now - 30), lastUsedStep: first.step, now: at(now) }),
    ).toEqual({ ok: false });
  });

  it("accepts one step either side of now, and no further", () => {
    const secret = generateTotpSecret();
    const step = 56_666_666;
    const now = step * 30; // the first second of the step
    const check = (offsetSteps: number) =>
      verifyTotp({ secret, code: codeAt(secret, now + offsetSteps * 30), lastUsedStep: null, now: at(now) });
    expect(check(-1)).toEqual({ ok: true, step: step - 1 });
    expect(check(0)).toEqual({ ok: true, step });
    expect(check(1)).toEqual({ ok: true, step: step + 1 });
    expect(check(-2)).toEqual({ ok: false });
    expect(check(2)).toEqual({ ok: false });
    // The window follows the clock to the second: the last second of a step still accepts the
    // next step's code, and the previous step's code.
    const last = now + 29;
    expect(verifyTotp({ secret, code: codeAt(secret, now + 30), lastUsedStep: null, now: at(last) })).toEqual(
      {
        ok: true,
        step: step + 1,
      },
    );
    expect(verifyTotp({ secret, code: codeAt(secret, now - 1), lastUsedStep: null, now: at(last) })).toEqual({
      ok: true,
      step: step - 1,
    });
  });

  it("refuses a wrong code and anything that is not 6 digits", () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_000;
    const right = codeAt(secret, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    for (const code of [wrong, "", "abcdef", right.slice(0, 5), `${right}0`, "12345e"]) {
      expect(verifyTotp({ secret, code, lastUsedStep: null, now: at(now) })).toEqual({ ok: false });
    }
  });

  it("accepts spaces, dashes and full-width digits", () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_000;
    const code = codeAt(secret, now);
    const fullWidth = [...code].map((digit) => String.fromCharCode(0xff10 + Number(digit))).join("");
    for (const typed of [
      `${code.slice(0, 3)} ${code.slice(3)}`,
      `${code.slice(0, 3)}-${code.slice(3)}`,
      ` ${code}\n`,
      fullWidth,
    ]) {
      expect(verifyTotp({ secret, code: typed, lastUsedStep: null, now: at(now) })).toMatchObject({
        ok: true,
      });
    }
  });

  it("refuses everything when the last used step is ahead of the window (clock went back)", () => {
    const secret = generateTotpSecret();
    const now = 1_700_000_000;
    const code = codeAt(secret, now);
    expect(verifyTotp({ secret, code, lastUsedStep: 56_666_667, now: at(now) })).toEqual({ ok: false });
    expect(verifyTotp({ secret, code, lastUsedStep: 99_999_999, now: at(now) })).toEqual({ ok: false });
  });

  it("rejects a lastUsedStep that is not a step number", () => {
    const secret = generateTotpSecret();
    for (const lastUsedStep of [-1, 1.5, Number.NaN]) {
      expect(() => verifyTotp({ secret, code: "123456", lastUsedStep, now: at(1_700_000_000) })).toThrow(
        /lastUsedStep must be null or a non-negative integer/,
      );
    }
  });
});

describe("enrolment", () => {
  it("generates a 160-bit base32 secret, different every time", () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(generateTotpSecret()).not.toBe(secret);
  });

  it("builds the otpauth:// URI with the issuer and the account email", () => {
    const uri = new URL(totpUri({ secret: RFC_SECRET, accountEmail: "alice@example.com" }));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Shipshape:alice@example.com");
    // SHA-1, 6 digits and 30 s are the defaults, which apps assume when the URI leaves them out.
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: RFC_SECRET, issuer: "Shipshape" });
    expect(totpUri({ secret: RFC_SECRET, accountEmail: "a@b.c", issuer: "Acme" })).toContain("issuer=Acme");
  });

  it("draws the URI as a self-contained SVG QR code and a data: URL of it", async () => {
    const uri = totpUri({ secret: RFC_SECRET, accountEmail: "alice@example.com" });
    const { svg, dataUrl } = await totpQrCode(uri);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 \d+ \d+"/);
    expect(svg).toMatch(/<path[^>]* d="M/);
    expect(svg).not.toMatch(/href|<script|<image/);
    expect(Buffer.from(dataUrl.replace(/^data:image\/svg\+xml;base64,/, ""), "base64").toString("utf8")).toBe(
      svg,
    );
    // A different secret draws a different code.
    const other = await totpQrCode(
      totpUri({ secret: generateTotpSecret(), accountEmail: "alice@example.com" }),
    );
    expect(other.svg).not.toBe(svg);
  });
});
