import "server-only";
import type { PrismaClient } from "../db";
import { normalizeEmail } from "./email";
import { hashPassword, needsRehash, verifyPassword } from "./password";

/** 10 failed password sign-ins within 15 minutes lock the account for 15 minutes. */
export const LOCKOUT = { maxFailures: 10, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } as const;

export type PasswordSignInResult =
  | { ok: true; userId: string; emailVerified: boolean; mfaEnabled: boolean }
  | {
      ok: false;
      /** Always the same for the person signing in: unknown email, wrong password, locked, disabled. */
      reason: "invalid_credentials";
      /** Internal only (logs, audit, the lockout email): never shown, so "locked" can't be probed. */
      detail: "unknown_email" | "wrong_password" | "locked" | "disabled" | "no_password";
      /** The user, when the email matched an account (for the audit event and the lockout email). */
      userId?: string;
      /**
       * A wrong password for an account from a browser that isn't one of its known devices: counts
       * the failure toward the lockout and resolves true on the one failure that locked the account
       * (so the owner is emailed exactly once). Not done here: only a registered address has a
       * count to update, so waiting for it before answering would make its answer slower than an
       * unknown address's. Call it after the answer.
       */
      countFailure?: () => Promise<boolean>;
    };

// A real argon2id hash of a random string, made once per process. Verifying against it when the email
// is unknown (or the account can't sign in) costs the same as a real check, so response time doesn't
// reveal which accounts exist.
let dummyHash: Promise<string> | undefined;
const dummyPasswordHash = () => (dummyHash ??= hashPassword(crypto.randomUUID()));

/**
 * Checks an email and password. Every failure looks the same to the caller's user, in words and in
 * time: the `detail` is for logs and the audit trail, and a wrong password's failure is counted by
 * `countFailure` after the answer (atomically in the database, so parallel guesses are all counted).
 * Upgrades the stored hash when its parameters are outdated.
 *
 * `knownDeviceOf`: the account a valid device cookie of the browser names (device-cookie.ts). When
 * it is this email's account, the browser is one of the owner's: the lockout (which is for unknown
 * browsers) neither stops it nor counts its failures (its own budget, `sign-in-device`, does), and
 * its success leaves the lockout as it was, so an attack in progress stays locked out.
 */
export async function verifyPasswordSignIn(
  db: PrismaClient,
  input: { email: string; password: string; now?: Date; knownDeviceOf?: string },
): Promise<PasswordSignInResult> {
  const now = input.now ?? new Date();
  const user = await db.user.findUnique({
    where: { email: normalizeEmail(input.email) },
    select: {
      id: true,
      passwordHash: true,
      disabledAt: true,
      lockedUntil: true,
      emailVerifiedAt: true,
      mfaEnabledAt: true,
    },
  });

  const refuse = async (detail: Exclude<PasswordSignInResult, { ok: true }>["detail"]) => {
    await verifyPassword(await dummyPasswordHash(), input.password);
    return { ok: false as const, reason: "invalid_credentials" as const, detail, userId: user?.id };
  };

  if (!user) return refuse("unknown_email");
  if (user.disabledAt) return refuse("disabled");
  const knownDevice = input.knownDeviceOf === user.id;
  if (!knownDevice && user.lockedUntil && user.lockedUntil > now) return refuse("locked");
  if (!user.passwordHash) return refuse("no_password");

  if (!(await verifyPassword(user.passwordHash, input.password))) {
    const userId = user.id;
    return {
      ok: false,
      reason: "invalid_credentials",
      detail: "wrong_password",
      userId,
      ...(knownDevice ? {} : { countFailure: () => recordFailedSignIn(db, userId, now) }),
    };
  }

  const data = {
    ...(knownDevice ? {} : { failedSignInCount: 0, failedSignInWindowStartedAt: null, lockedUntil: null }),
    ...(needsRehash(user.passwordHash) ? { passwordHash: await hashPassword(input.password) } : {}),
  };
  if (Object.keys(data).length > 0) await db.user.update({ where: { id: user.id }, data });
  return {
    ok: true,
    userId: user.id,
    emailVerified: Boolean(user.emailVerifiedAt),
    mfaEnabled: Boolean(user.mfaEnabledAt),
  };
}

/**
 * Counts one failure in the current window (a new window starts when the last one is over) and locks
 * the account when the count reaches the limit. Both are single UPDATE statements, so concurrent
 * failures are all counted and only one of them reports the lock.
 */
async function recordFailedSignIn(db: PrismaClient, userId: string, now: Date): Promise<boolean> {
  const windowStart = new Date(now.getTime() - LOCKOUT.windowMs);
  await db.$executeRaw`
    UPDATE "User" SET
      "failedSignInCount" = CASE
        WHEN "failedSignInWindowStartedAt" IS NULL OR "failedSignInWindowStartedAt" < ${windowStart}
        THEN 1 ELSE "failedSignInCount" + 1 END,
      "failedSignInWindowStartedAt" = CASE
        WHEN "failedSignInWindowStartedAt" IS NULL OR "failedSignInWindowStartedAt" < ${windowStart}
        THEN ${now} ELSE "failedSignInWindowStartedAt" END
    WHERE "id" = ${userId}::uuid`;
  const locked = await db.$executeRaw`
    UPDATE "User" SET "lockedUntil" = ${new Date(now.getTime() + LOCKOUT.lockMs)}
    WHERE "id" = ${userId}::uuid
      AND "failedSignInCount" >= ${LOCKOUT.maxFailures}
      AND ("lockedUntil" IS NULL OR "lockedUntil" <= ${now})`;
  return locked === 1;
}
