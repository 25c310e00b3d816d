// Users and client addresses for the auth integration tests.
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword, LOCKOUT, signInWithPassword } from "@/lib/auth";
import type { Prisma } from "@/lib/db";
import { testDb } from "./db";

/** The password of every user createTestUser makes (unless passwordHash says otherwise). */
export const TEST_PASSWORD = "a long and perfectly fine passphrase";

/**
 * A verified user with TEST_PASSWORD and a unique email; override any column. The row comes back with
 * its passwordHash (which queries leave out unless asked), for tests that check it changed or not.
 */
export async function createTestUser(overrides: Partial<Prisma.UserCreateInput> = {}) {
  return testDb().user.create({
    omit: { passwordHash: false },
    data: {
      email: `user-${randomUUID()}@example.com`,
      emailVerifiedAt: new Date(),
      ...overrides,
      passwordHash:
        overrides.passwordHash === undefined ? await hashPassword(TEST_PASSWORD) : overrides.passwordHash,
    },
  });
}

/** A fresh documentation-range IPv6 /64 per call, so per-IP limits don't carry over between tests or runs. */
export const freshIp = () =>
  `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}::1`;

/**
 * Fails password sign-in LOCKOUT.maxFailures times (from fresh addresses unless `ip` is given), which
 * locks the account, and waits for the work after each answer: the lockout event and email.
 */
export async function lockOutBySignInFailures(email: string, ip?: string): Promise<void> {
  for (let i = 0; i < LOCKOUT.maxFailures; i++) {
    const outcome = await signInWithPassword({ email, password: `wrong ${i}`, ip: ip ?? freshIp() });
    await outcome.background;
  }
}
