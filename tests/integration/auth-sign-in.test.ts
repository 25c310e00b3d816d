import { describe, expect, it } from "vitest";
import { LOCKOUT, verifyPasswordSignIn } from "@/lib/auth";

import { testDb } from "../support/db";
import { createTestUser, TEST_PASSWORD } from "../support/users";

/**
 * A failed attempt as signInWithPassword finishes it after answering: the check, then the failure
 * counted toward the lockout. `lockedNow` is true on the failure that locked the account.
 */
async function attempt(input: { email: string; password: string; now?: Date }) {
  const result = await verifyPasswordSignIn(testDb(), input);
  const lockedNow = !result.ok && result.countFailure ? await result.countFailure() : false;
  return { ...result, lockedNow };
}

describe("password sign-in", () => {
  it("accepts the right password, whatever the email's case and spacing", async () => {
    const user = await createTestUser();
    const result = await verifyPasswordSignIn(testDb(), {
      email: ` ${user.email.toUpperCase()} `,
      password: TEST_PASSWORD,
    });
    expect(result).toEqual({ ok: true, userId: user.id, emailVerified: true, mfaEnabled: false });
  });

  it("answers an unknown email, a wrong password, a disabled account and an OAuth-only account alike", async () => {
    const known = await createTestUser();
    const disabled = await createTestUser({ disabledAt: new Date() });
    const oauthOnly = await createTestUser({ passwordHash: null });
    const results = [
      await verifyPasswordSignIn(testDb(), { email: "nobody-here@example.com", password: TEST_PASSWORD }),
      await verifyPasswordSignIn(testDb(), { email: known.email, password: "not the password at all" }),
      await verifyPasswordSignIn(testDb(), { email: disabled.email, password: TEST_PASSWORD }),
      await verifyPasswordSignIn(testDb(), { email: oauthOnly.email, password: TEST_PASSWORD }),
    ];
    expect(results.map((r) => r.ok)).toEqual([false, false, false, false]);
    // Only the wrong password has a failure to count, and it isn't counted until asked to.
    expect(results.map((r) => !r.ok && r.countFailure !== undefined)).toEqual([false, true, false, false]);
    expect((await testDb().user.findUniqueOrThrow({ where: { id: known.id } })).failedSignInCount).toBe(0);
    expect(new Set(results.map((r) => (r.ok ? "" : r.reason)))).toEqual(new Set(["invalid_credentials"]));
    expect(results.map((r) => (r.ok ? "" : r.detail))).toEqual([
      "unknown_email",
      "wrong_password",
      "disabled",
      "no_password",
    ]);
  });

  it(`locks the account after ${LOCKOUT.maxFailures} failures in the window; then even the right password is refused`, async () => {
    const user = await createTestUser();
    const now = new Date();
    const outcomes = [];
    for (let i = 0; i < LOCKOUT.maxFailures; i++) {
      outcomes.push(await attempt({ email: user.email, password: `wrong ${i}`, now }));
    }
    expect(outcomes.filter((o) => !o.ok && o.lockedNow)).toHaveLength(1);
    expect(outcomes.at(-1)).toMatchObject({ ok: false, lockedNow: true });

    const whileLocked = await verifyPasswordSignIn(testDb(), {
      email: user.email,
      password: TEST_PASSWORD,
      now,
    });
    expect(whileLocked).toMatchObject({ ok: false, reason: "invalid_credentials", detail: "locked" });

    const afterLock = new Date(now.getTime() + LOCKOUT.lockMs + 1_000);
    expect(
      await verifyPasswordSignIn(testDb(), { email: user.email, password: TEST_PASSWORD, now: afterLock }),
    ).toMatchObject({
      ok: true,
    });
    const row = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row).toMatchObject({ failedSignInCount: 0, lockedUntil: null });
  });

  it("counts failures outside the window afresh", async () => {
    const user = await createTestUser();
    const start = new Date();
    for (let i = 0; i < LOCKOUT.maxFailures - 1; i++) {
      await attempt({ email: user.email, password: "wrong", now: start });
    }
    const later = new Date(start.getTime() + LOCKOUT.windowMs + 1_000);
    const result = await attempt({ email: user.email, password: "wrong", now: later });
    expect(result).toMatchObject({ ok: false, detail: "wrong_password", lockedNow: false });
    const row = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.failedSignInCount).toBe(1);
  });

  it("counts every one of many parallel wrong guesses and reports the lock once", async () => {
    const user = await createTestUser();
    const guesses = 2 * LOCKOUT.maxFailures;
    const results = await Promise.all(
      Array.from({ length: guesses }, (_, i) => attempt({ email: user.email, password: `guess ${i}` })),
    );
    const row = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    // Guesses that arrived after the lock are refused as "locked" without being counted.
    const counted = results.filter((r) => !r.ok && r.detail === "wrong_password").length;
    expect(row.failedSignInCount).toBe(counted);
    expect(counted).toBeGreaterThanOrEqual(LOCKOUT.maxFailures);
    expect(results.filter((r) => !r.ok && r.lockedNow)).toHaveLength(1);
    expect(row.lockedUntil).not.toBeNull();
  });

  it("re-hashes a password stored with outdated parameters at the next sign-in", async () => {
    const { hash } = await import("@node-rs/argon2");
    const weak = await hash(TEST_PASSWORD, { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const user = await createTestUser({ passwordHash: weak });
    expect(
      await verifyPasswordSignIn(testDb(), { email: user.email, password: TEST_PASSWORD }),
    ).toMatchObject({
      ok: true,
    });
    const row = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(
      await verifyPasswordSignIn(testDb(), { email: user.email, password: TEST_PASSWORD }),
    ).toMatchObject({
      ok: true,
    });
  });
});
