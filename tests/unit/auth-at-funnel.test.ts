// Every place that can set or refresh a session's authAt (the time step-up trusts), and what proof
// each stands on (AGENTS.md, "Step-up"; lib/auth/reauthentication.ts). Only a credential the account
// already had counts: its password, an enrolled TOTP code, a recovery code, or a sign-in through a
// linked OAuth account. Adding a factor never does (issue 11: confirming a new authenticator
// refreshed authAt, and a stale session took the account over with it).
//
// The ways to a session cookie with a chosen authAt, and the check on each:
// - updateCurrentSession / patchSessionToken: their patch has no authAt, only a Reauthentication,
//   whose brand can't be written by hand (the type assertions at the end; tsc checks them);
// - reauthenticatedBy, which makes a Reauthentication: called only by the credential checks below;
// - startSession (a new session, authAt = now): called only by next-auth's sign-in callback;
// - encoding a token: only lib/auth's session-cookie.ts and session-renewal.ts (which re-encodes
//   the claims it decoded);
// - any other `authAt: <value>` in app/ or lib/ must copy an existing authAt.
// A new entry in any list below is a new way to re-authenticate: check it against the rule first.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { SessionPatch } from "@/lib/auth";
import { REAUTHENTICATION_METHODS, type Reauthentication } from "@/lib/auth/reauthentication";

const root = path.resolve(".");
const SCANNED = ["app", "lib", "components", "scripts", "proxy.ts"];
const SKIPPED = new Set(["lib/db/generated"]);

function sourceFiles(relative: string): string[] {
  const full = path.join(root, relative);
  if (!statSync(full).isDirectory()) return [relative];
  return readdirSync(full, { withFileTypes: true }).flatMap((entry) => {
    const child = path.posix.join(relative, entry.name);
    if (SKIPPED.has(child)) return [];
    if (entry.isDirectory()) return sourceFiles(child);
    return /\.(m|c)?(t|j)sx?$/.test(entry.name) ? [child] : [];
  });
}

const files = SCANNED.flatMap(sourceFiles).map((file) => ({
  file,
  source: readFileSync(path.join(root, file), "utf8"),
}));

/**
 * `file: match` for every match of `pattern` in the scanned sources (first capture group, or the
 * whole match); with `importing`, only in files that import that module.
 */
function occurrences(pattern: RegExp, importing?: string): string[] {
  return files
    .filter(({ source }) => importing === undefined || source.includes(`from "${importing}"`))
    .flatMap(({ file, source }) =>
      [...source.matchAll(pattern)].map((match) => `${file}: ${(match[1] ?? match[0]).trim()}`),
    );
}

describe("the places that set a session's authAt", () => {
  it("make a Reauthentication only where a credential the account already had was just checked", () => {
    expect(occurrences(/(?<!function )\breauthenticatedBy\(([^)]*)\)/g).sort()).toEqual([
      "lib/auth/mfa.ts: userId, result.method", // the sign-in challenge: an enrolled TOTP code or a recovery code
      "lib/auth/step-up.ts: userId, method", // step-up: the password or an enrolled TOTP code
    ]);
    // No other kind of proof exists; OAuth re-authenticates by signing in again (startSession).
    expect([...REAUTHENTICATION_METHODS]).toEqual(["password", "totp", "recovery_code"]);
  });

  it("start sessions only from next-auth's sign-in (a password checked by authorize, or a linked OAuth account)", () => {
    expect(occurrences(/(?<!function )\bstartSession\(/g).sort()).toEqual([
      "lib/auth/next-auth.ts: startSession(",
    ]);
  });

  it("encode session tokens only in lib/auth's cookie code", () => {
    expect(occurrences(/\bencode\(/g, "next-auth/jwt").sort()).toEqual([
      "lib/auth/session-cookie.ts: encode(", // encodeSessionToken
      "lib/auth/session-renewal.ts: encode(", // the idle renewal: the claims it decoded, unchanged
    ]);
    expect(occurrences(/(?<!function )\bencodeSessionToken\(/g).sort()).toEqual([
      "lib/auth/session-cookie.ts: encodeSessionToken(", // patchSessionToken
    ]);
  });

  it("otherwise only copy an existing authAt", () => {
    const writes = occurrences(/\bauthAt\??\s*:\s*([^,;}\n]+)/g).filter((entry) => {
      const value = entry.slice(entry.indexOf(": ") + 2);
      const isType = value === "number";
      const isCopy = /^[\w.?]+\.authAt$/.test(value);
      return !isType && !isCopy;
    });
    expect(writes.sort()).toEqual([
      "lib/auth/session-cookie.ts: patch.reauthentication?.at ?? decoded.authAt", // patchSessionToken
      "lib/auth/session.ts: now", // startSession: the sign-in that just happened
    ]);
  });
});

// Compile-time half, checked by tsc (npm run typecheck): nothing else can produce the values above.
// @ts-expect-error authAt is not part of a session patch: a Reauthentication is.
const _forgedPatch: SessionPatch = { authAt: Date.now() };
// @ts-expect-error a Reauthentication can't be written by hand: its brand isn't exported.
const _forgedProof: Reauthentication = { userId: "someone", method: "password", at: Date.now() };
