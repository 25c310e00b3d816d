import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  checkNewPassword,
  isCommonPassword,
  normalizePassword,
  PASSWORD_MAX_LENGTH,
  passwordProblems,
  pwnedPasswordCount,
} from "@/lib/auth";
import { encodeBlocklist, PasswordBlocklist } from "@/lib/auth/password-blocklist";
import { logger } from "@/lib/log";
import { closedPort } from "../support/services";

const PASSPHRASE = "glacier tambourine oxide ferry lunch";
const codes = (password: string, options: Parameters<typeof passwordProblems>[1] = {}) =>
  passwordProblems(password, { minLength: 15, ...options }).map((problem) => problem.code);

describe("passwordProblems", () => {
  it("accepts a long random passphrase", () => {
    expect(passwordProblems(PASSPHRASE, { email: "alice@example.com", minLength: 15 })).toEqual([]);
  });

  it("refuses 'password' and famous breached passwords, whatever their case", () => {
    for (const password of [
      "password",
      "iloveyou",
      "qwertyuiop",
      "trustno1",
      "1q2w3e4r",
      "PassWord1",
      "Sunshine",
    ]) {
      expect(codes(password, { minLength: 8 })).toEqual(["breached"]);
    }
    // With the default minimum the same passwords are also too short; both reasons are given.
    expect(codes("password")).toEqual(["too-short", "breached"]);
  });

  it("finds listed passwords of 15 characters and more too", () => {
    expect(isCommonPassword("123456789012345")).toBe(true);
    expect(isCommonPassword("qwertyuiopasdfghjkl")).toBe(true);
    expect(isCommonPassword(PASSPHRASE)).toBe(false);
  });

  it("counts Unicode code points after NFKC: full-width characters are normalised", () => {
    const fullWidth = "ｐａｓｓｗｏｒｄ"; // U+FF50…
    expect(normalizePassword(fullWidth)).toBe("password");
    expect(codes(fullWidth, { minLength: 8 })).toEqual(["breached"]);
    // Emoji and accents count one per code point: 15 emoji are 15 characters, not 30 UTF-16 units.
    expect(codes("🔒".repeat(15))).toEqual([]);
    expect(codes("🔒".repeat(14))).toEqual(["too-short"]);
    // "ﬁ" (one ligature code point) becomes "fi" (two): the length is counted after normalising.
    expect(codes("ﬁ".repeat(8))).toEqual([]);
  });

  it("allows 256 characters and no more", () => {
    const base = "correct horse battery staple ";
    const at = (length: number) => base.repeat(10).slice(0, length);
    expect(codes(at(PASSWORD_MAX_LENGTH))).toEqual([]);
    expect(codes(at(PASSWORD_MAX_LENGTH + 1))).toEqual(["too-long"]);
  });

  it("enforces the configured minimum, from 8 to 64", () => {
    expect(codes("a quiet brook", { minLength: 8 })).toEqual([]);
    expect(codes("a quiet brook", { minLength: 15 })).toEqual(["too-short"]);
    expect(codes("a quiet brook")).toEqual(["too-short"]);
    expect(() => passwordProblems(PASSPHRASE, { minLength: 7 })).toThrow(/from 8 to 64/);
    expect(() => passwordProblems(PASSPHRASE, { minLength: 65 })).toThrow(/from 8 to 64/);
  });

  it("uses PASSWORD_MIN_LENGTH (15 by default) when no minimum is passed", () => {
    expect(passwordProblems("fourteen chars").map((p) => p.code)).toEqual(["too-short"]);
    expect(passwordProblems("fifteen chars!!")).toEqual([]);
  });

  it("refuses a password containing the email's local part (3+ characters, any case)", () => {
    const email = "Alice.Smith+shop@example.com";
    expect(codes("my name is alice.smith, hi", { email })).toEqual(["contains-email"]);
    expect(codes("ALICE.SMITH+SHOP rides again", { email })).toEqual(["contains-email"]);
    expect(codes(PASSPHRASE, { email })).toEqual([]);
    // Local parts shorter than 3 characters would refuse too much.
    expect(codes("a long passphrase by al", { email: "al@example.com" })).toEqual([]);
    expect(codes("a long passphrase by bob", { email: "bob@example.com" })).toEqual(["contains-email"]);
  });

  it("refuses a password containing the product name", () => {
    expect(codes("my ShipShape password!")).toEqual(["contains-product-name"]);
    expect(codes("ｓｈｉｐｓｈａｐｅ forever and ever")).toEqual(["contains-product-name"]);
    expect(codes("my acme rocket password!", { productName: "Acme" })).toEqual(["contains-product-name"]);
  });

  it("explains each problem in plain words", () => {
    const problems = passwordProblems("shipshape", { email: "shipshape@example.com", minLength: 15 });
    expect(Object.fromEntries(problems.map((p) => [p.code, p.message]))).toEqual({
      "too-short": expect.stringMatching(/^Use at least 15 characters \(this one has 9\)\./),
      "contains-email": expect.stringMatching(/^Don't use your email address/),
      "contains-product-name": "Don't use the name Shipshape in your password.",
    });
    expect(passwordProblems("password", { minLength: 8 })[0]?.message).toBe(
      "This password appears in lists of breached passwords, so attackers try it early. Choose a different one.",
    );
    for (const { message } of [...problems, ...passwordProblems("x".repeat(300))]) {
      // Sentences for people: no codes, jargon or placeholders.
      expect(message).toMatch(/^[A-Z][^{}_]*\.$/);
      expect(message).not.toMatch(/NFKC|entropy|code point|undefined/i);
    }
  });
});

describe("the committed blocklist", () => {
  it("holds at least 100,000 entries", async () => {
    const { commonPasswords } = await import("@/lib/auth/password-blocklist");
    expect(commonPasswords().size).toBeGreaterThanOrEqual(100_000);
  });

  it("wrongly refuses about 0.1% of passwords that are not listed", () => {
    // Fixed inputs, so the count is the same on every run.
    let falsePositives = 0;
    for (let i = 0; i < 20_000; i++) if (isCommonPassword(`unlisted password number ${i}`)) falsePositives++;
    expect(falsePositives).toBeLessThanOrEqual(30); // 2^-10 of 20,000 is 19.5
  });
});

describe("the blocklist format (Golomb-coded set)", () => {
  it("finds every entry it was built from, case-insensitively, and rejects a corrupt file", () => {
    const entries = Array.from({ length: 5000 }, (_, i) => `Entry-${i * 7919}`);
    const list = PasswordBlocklist.decode(encodeBlocklist([...entries, "Entry-0", "ENTRY-0"]));
    expect(list.size).toBe(5000);
    for (const entry of entries) expect(list.has(entry.toUpperCase())).toBe(true);
    expect(() => PasswordBlocklist.decode(Buffer.from("not a blocklist"))).toThrow(/not a GCS1 blocklist/);
    const encoded = encodeBlocklist(entries);
    expect(() => PasswordBlocklist.decode(encoded.subarray(0, encoded.length / 2))).toThrow(/truncated/);
  });
});

// ---- Have I Been Pwned, against local servers ----

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** A local HTTP server standing in for api.pwnedpasswords.com; returns its base URL. */
async function localApi(handler: Handler): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sha1 = (password: string) => createHash("sha1").update(password).digest("hex").toUpperCase();

/** A range answer in the API's format: "SUFFIX:COUNT" lines, CRLF, padded with zero-count entries. */
function rangeBody(entries: Array<[suffix: string, count: number]>): string {
  const padding: Array<[string, number]> = [
    ["0018A45C4D1DEF81644B54AB7F969B88D65", 0],
    ["00D4F6E8FA6EECAD2A3AA415EEC418D38EC", 2],
    ["011053FD0102E94D6AE2F8B83D76FAF94F6", 0],
  ];
  return [...padding, ...entries].map(([suffix, count]) => `${suffix}:${count}`).join("\r\n");
}

describe("pwnedPasswordCount", () => {
  const password = "a long unique passphrase nobody used";
  const hash = sha1(password);

  it("sends only the first 5 hex characters of the SHA-1, asks for padding, and reads the count", async () => {
    const requests: IncomingMessage[] = [];
    const apiUrl = await localApi((request, response) => {
      requests.push(request);
      response.end(rangeBody([[hash.slice(5), 3730471]]));
    });
    expect(await pwnedPasswordCount(password, { apiUrl })).toBe(3730471);
    // Suffixes are compared case-insensitively.
    const lowercase = await localApi((_, response) =>
      response.end(rangeBody([[hash.slice(5).toLowerCase(), 7]])),
    );
    expect(await pwnedPasswordCount(password, { apiUrl: lowercase })).toBe(7);
    expect(requests[0]?.url).toBe(`/range/${hash.slice(0, 5)}`);
    expect(requests[0]?.headers["add-padding"]).toBe("true");
  });

  it("answers 0 when the suffix is absent or only present as padding", async () => {
    const absent = await localApi((_, response) => response.end(rangeBody([])));
    expect(await pwnedPasswordCount(password, { apiUrl: absent })).toBe(0);
    const padded = await localApi((_, response) =>
      response.end(rangeBody([[hash.slice(5).toLowerCase(), 0]])),
    );
    expect(await pwnedPasswordCount(password, { apiUrl: padded })).toBe(0);
  });

  it("fails open (null) when the API errors, hangs or is not listening", async () => {
    const failing = await localApi((_, response) => {
      response.statusCode = 503;
      response.end("Service Unavailable");
    });
    expect(await pwnedPasswordCount(password, { apiUrl: failing })).toBeNull();

    const hanging = await localApi(() => {}); // accepts the request and never answers
    expect(await pwnedPasswordCount(password, { apiUrl: hanging, timeoutMs: 200 })).toBeNull();

    const closed = `http://127.0.0.1:${await closedPort()}`;
    expect(await pwnedPasswordCount(password, { apiUrl: closed })).toBeNull();
  });
});

describe("checkNewPassword", () => {
  it("adds the Have I Been Pwned answer to the offline rules", async () => {
    const apiUrl = await localApi((_, response) =>
      response.end(rangeBody([[sha1(PASSPHRASE).slice(5), 12]])),
    );
    expect((await checkNewPassword(PASSPHRASE, { pwned: { apiUrl } })).map((p) => p.code)).toEqual([
      "breached",
    ]);
  });

  it("accepts the password when the API cannot be reached (fail open)", async () => {
    const apiUrl = await localApi((_, response) => {
      response.statusCode = 500;
      response.end();
    });
    expect(await checkNewPassword(PASSPHRASE, { pwned: { apiUrl } })).toEqual([]);
  });

  it("does not ask the API about a password the offline rules already refuse", async () => {
    let asked = false;
    const apiUrl = await localApi((_, response) => {
      asked = true;
      response.end(rangeBody([]));
    });
    expect((await checkNewPassword("password", { pwned: { apiUrl } })).map((p) => p.code)).toEqual([
      "too-short",
      "breached",
    ]);
    expect(asked).toBe(false);
  });

  it("stays offline unless PWNED_PASSWORDS_CHECK is on or `pwned` is passed", async () => {
    expect(await checkNewPassword(PASSPHRASE)).toEqual([]);
  });
});

describe("PWNED_PASSWORDS_CHECK set in the environment", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  /**
   * The password policy as the app loads it with these variables set: lib/auth reads its settings
   * once per process (authConfig), so the module is loaded afresh after setting them.
   */
  async function policyLoadedWith(env: Record<string, string>) {
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.resetModules();
    return import("@/lib/auth/password-policy");
  }

  it("makes every new-password check ask the range API, and refuses a password it knows", async () => {
    const asked: (string | undefined)[] = [];
    const apiUrl = await localApi((request, response) => {
      asked.push(request.url);
      response.end(rangeBody([[sha1(PASSPHRASE).slice(5), 42]]));
    });

    const off = await policyLoadedWith({ PWNED_PASSWORDS_CHECK: "false", PWNED_PASSWORDS_API_URL: apiUrl });
    expect(await off.checkNewPassword(PASSPHRASE)).toEqual([]);
    expect(asked).toEqual([]);

    const on = await policyLoadedWith({ PWNED_PASSWORDS_CHECK: "true", PWNED_PASSWORDS_API_URL: apiUrl });
    expect((await on.checkNewPassword(PASSPHRASE)).map((problem) => problem.code)).toEqual(["breached"]);
    // Only the first 5 hex characters of the SHA-1 left the server.
    expect(asked).toEqual([`/range/${sha1(PASSPHRASE).slice(0, 5)}`]);
  });

  it("accepts the password when the API can't be reached, and logs a warning that names the API", async () => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const warn = vi.spyOn(logger, "warn");

    const policy = await policyLoadedWith({
      PWNED_PASSWORDS_CHECK: "true",
      PWNED_PASSWORDS_API_URL: unreachable,
    });
    expect(await policy.checkNewPassword(PASSPHRASE)).toEqual([]);

    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { apiUrl: unreachable, reason: expect.stringMatching(/ECONNREFUSED/) },
      "Pwned Passwords API unavailable: the password was accepted without the online breach check",
    );
    // Neither the password nor its hash reaches the log.
    const logged = JSON.stringify(warn.mock.calls);
    expect(logged).not.toContain(PASSPHRASE);
    expect(logged).not.toContain(sha1(PASSPHRASE).slice(5));
  });
});
