// Users and client addresses for the auth integration tests.
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword } from "@/lib/auth";
import { testDb } from "./db";

/** The password of every user createTestUser makes (unless passwordHash says otherwise). */
export const TEST_PASSWORD = "a long and perfectly fine passphrase";

/** A verified user with TEST_PASSWORD and a unique email; override any column. */
export async function createTestUser(overrides: { passwordHash?: string | null; disabledAt?: Date } = {}) {
  return testDb().user.create({
    data: {
      email: `user-${randomUUID()}@example.com`,
      emailVerifiedAt: new Date(),
      passwordHash:
        overrides.passwordHash === undefined ? await hashPassword(TEST_PASSWORD) : overrides.passwordHash,
      disabledAt: overrides.disabledAt,
    },
  });
}

/** A fresh documentation-range IPv6 /64 per call, so per-IP limits don't carry over between tests or runs. */
export const freshIp = () =>
  `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}::1`;
