import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb, type Prisma } from "../db";
import { logger } from "../log";
import { appLink, mfaChangedMail, readMailConfig, sendMail } from "../mail";
import { type RateLimitPolicyName, refundRateLimit } from "../ratelimit";
import { endLinksAfter } from "./email-links";
import { decryptSecret, encryptSecret } from "./encryption";
import { AuthFlowError } from "./errors";
import { auditClient, enforceLimits, type RequestClient } from "./flow-support";
import { hasRecentAuthentication, type Reauthentication, reauthenticatedBy } from "./reauthentication";
import { generateRecoveryCodes, matchRecoveryCode } from "./recovery-codes";
import { revokeAllSessions } from "./session";
import { generateTotpSecret, totpQrCode, totpUri, verifyTotp } from "./totp";

// The MFA flows on top of the TOTP and recovery-code primitives: enrolment (start → confirm with a
// code), the sign-in challenge, recovery-code regeneration and turning MFA off. Every code check
// counts against the `totp-account` limit (5 per 5 minutes per account, fail closed), whichever
// page it comes from, so the guessing budget against one account's secret is shared.

/** The context an MFA secret is encrypted under: binds the ciphertext to its user's row. */
export const totpContext = (userId: string) => `user:${userId}:totp`;

const WRONG_CODE = "That code didn't work. Check your authenticator app and enter the current code.";

/** Where the emails about MFA changes send the person. */
const MFA_SETTINGS_PATH = "/account/mfa";

/**
 * Counts one attempt under `policy` for the account. Throws 429 `rate_limited` over the limit, and
 * 503 `rate_limit_unavailable` when the store is down: these policies fail closed, so knocking Redis
 * over doesn't buy unlimited guesses. A refusal is recorded as `auth.rate_limited`.
 */
export function limitAttempts(
  policy: RateLimitPolicyName,
  userId: string,
  client: RequestClient,
): Promise<void> {
  return enforceLimits([[policy, userId]], client, { type: "USER", id: userId });
}

type TotpUser = { id: string; mfaSecretEncrypted: string | null; mfaLastUsedStep: number | null };

/**
 * Checks a TOTP code and spends its time step: the step is stored with a conditional update, so the
 * same code (or an older one) is refused afterwards, even to a concurrent request.
 */
async function spendTotpCode(
  db: Pick<Prisma.TransactionClient, "user">,
  user: TotpUser,
  code: string,
): Promise<boolean> {
  if (!user.mfaSecretEncrypted) return false;
  const result = verifyTotp({
    secret: decryptSecret(user.mfaSecretEncrypted, totpContext(user.id)),
    code,
    lastUsedStep: user.mfaLastUsedStep,
  });
  if (!result.ok) return false;
  const { count } = await db.user.updateMany({
    where: { id: user.id, OR: [{ mfaLastUsedStep: null }, { mfaLastUsedStep: { lt: result.step } }] },
    data: { mfaLastUsedStep: result.step },
  });
  return count === 1;
}

const totpUserSelect = {
  id: true,
  mfaSecretEncrypted: true,
  mfaLastUsedStep: true,
  mfaEnabledAt: true,
} as const;

/**
 * Checks a TOTP code of a user with MFA on (step-up re-authentication). Counts against
 * `totp-account`. False for a wrong or replayed code, or when MFA is off.
 */
export async function verifyUserTotp(userId: string, code: string, client: RequestClient): Promise<boolean> {
  await limitAttempts("totp-account", userId, client);
  const user = await getDb().user.findUniqueOrThrow({ where: { id: userId }, select: totpUserSelect });
  if (!user.mfaEnabledAt) return false;
  return spendTotpCode(getDb(), user, code);
}

export type MfaStatus = {
  enabled: boolean;
  enabledAt: Date | null;
  /** A secret was generated and waits for its first code. */
  enrolmentStarted: boolean;
  recoveryCodesLeft: number;
};

export async function mfaStatus(userId: string): Promise<MfaStatus> {
  const user = await getDb().user.findUniqueOrThrow({
    where: { id: userId },
    select: { mfaEnabledAt: true, mfaSecretEncrypted: true },
  });
  const recoveryCodesLeft = user.mfaEnabledAt
    ? await getDb().recoveryCode.count({ where: { userId, usedAt: null } })
    : 0;
  return {
    enabled: user.mfaEnabledAt !== null,
    enabledAt: user.mfaEnabledAt,
    enrolmentStarted: user.mfaEnabledAt === null && user.mfaSecretEncrypted !== null,
    recoveryCodesLeft,
  };
}

const alreadyOn = () =>
  new AuthFlowError(409, "mfa_already_enabled", "Two-factor authentication is already on for your account.");
const notOn = () =>
  new AuthFlowError(409, "mfa_not_enabled", "Two-factor authentication is not on for your account.");

/**
 * Starts (or restarts) enrolment: a new secret, stored encrypted, not yet in force. MFA is on only
 * once confirmMfaEnrolment accepts a code from it.
 */
export async function startMfaEnrolment(userId: string): Promise<void> {
  const secret = generateTotpSecret();
  const { count } = await getDb().user.updateMany({
    where: { id: userId, mfaEnabledAt: null },
    data: { mfaSecretEncrypted: encryptSecret(secret, totpContext(userId)), mfaLastUsedStep: null },
  });
  if (count !== 1) throw alreadyOn();
}

export type PendingEnrolment = {
  /** The base32 secret, for people who type it into their app instead of scanning. */
  secret: string;
  /** The otpauth:// URI as a QR code drawn on the server, as a data: URL for `<img src>`. */
  qrCodeDataUrl: string;
  /** The otpauth:// URI itself: a link that opens the authenticator app on the same phone. */
  otpauthUri: string;
};

/**
 * The started, unconfirmed enrolment, to show on the set-up page, or null. The secret is shown only
 * while enrolment is pending: once MFA is on, it never leaves the server again. And only to a
 * session that proved who it is within the step-up window (`authAt`, from the session), like
 * starting and confirming enrolment: someone else holding an old session must not learn the secret
 * the owner is about to trust. Throws AuthFlowError 403 `step_up_required` otherwise.
 */
export async function pendingEnrolment(
  userId: string,
  session: { authAt: number },
): Promise<PendingEnrolment | null> {
  if (!hasRecentAuthentication(session.authAt)) {
    throw new AuthFlowError(
      403,
      "step_up_required",
      "Confirm it's you: enter your password or authenticator code again to see the set-up key.",
    );
  }
  const user = await getDb().user.findUniqueOrThrow({
    where: { id: userId },
    select: { email: true, mfaEnabledAt: true, mfaSecretEncrypted: true },
  });
  if (user.mfaEnabledAt || !user.mfaSecretEncrypted) return null;
  const secret = decryptSecret(user.mfaSecretEncrypted, totpContext(userId));
  // The issuer is the name the authenticator app lists the entry under: the product's (APP_NAME).
  const issuer = readMailConfig().APP_NAME;
  const otpauthUri = totpUri({ secret, accountEmail: user.email, issuer });
  const { dataUrl } = await totpQrCode(otpauthUri);
  return { secret, qrCodeDataUrl: dataUrl, otpauthUri };
}

/** MFA changed: the codes to show once (enrolment, regeneration) and the new sessionVersion. */
export type MfaChange = { sessionVersion: number };

/**
 * Confirms enrolment with a code from the new secret: turns MFA on, replaces the recovery codes,
 * and ends every session (keep the current one with updateCurrentSession and the returned
 * sessionVersion). Emails the owner. Returns the recovery codes: show them once, they are stored
 * only as hashes.
 */
export async function confirmMfaEnrolment(
  userId: string,
  code: string,
  client: RequestClient,
): Promise<MfaChange & { recoveryCodes: string[] }> {
  await limitAttempts("totp-account", userId, client);
  const user = await getDb().user.findUniqueOrThrow({ where: { id: userId }, select: totpUserSelect });
  if (user.mfaEnabledAt) throw alreadyOn();
  if (!user.mfaSecretEncrypted) {
    throw new AuthFlowError(
      409,
      "mfa_not_started",
      "Start the set-up again: no authenticator is waiting for a code.",
    );
  }
  // The code first: a wrong one costs no recovery-code hashing (ten argon2id hashes).
  if (!(await spendTotpCode(getDb(), user, code))) {
    throw new AuthFlowError(400, "invalid_code", WRONG_CODE, { code: [WRONG_CODE] });
  }
  const { codes, hashes } = await generateRecoveryCodes();
  const sessionVersion = await getDb().$transaction(async (tx) => {
    // Only the secret the code was checked against: a restarted set-up or a concurrent
    // confirmation in between leaves nothing to turn on.
    const { count } = await tx.user.updateMany({
      where: { id: userId, mfaEnabledAt: null, mfaSecretEncrypted: user.mfaSecretEncrypted },
      data: { mfaEnabledAt: new Date() },
    });
    if (count !== 1) {
      throw new AuthFlowError(
        409,
        "mfa_changed",
        "Your set-up changed in another window. Reload this page and try again.",
      );
    }
    await replaceRecoveryCodes(tx, userId, hashes);
    await revokeAllSessions(tx, userId);
    await endLinksAfter(tx, userId, ["mfa"]);
    await recordSecurityEvent(
      { action: "auth.mfa.enrolled", actor: { type: "USER", id: userId }, ...auditClient(client) },
      tx,
    );
    return currentSessionVersion(tx, userId);
  });
  await sendMfaChangedMail(userId, "enabled");
  return { recoveryCodes: codes, sessionVersion };
}

/** New recovery codes in place of the old ones (used or not). Show the returned codes once. */
export async function regenerateRecoveryCodes(userId: string, client: RequestClient): Promise<string[]> {
  const { codes, hashes } = await generateRecoveryCodes();
  await getDb().$transaction(async (tx) => {
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { mfaEnabledAt: true } });
    if (!user.mfaEnabledAt) throw notOn();
    await replaceRecoveryCodes(tx, userId, hashes);
    await recordSecurityEvent(
      {
        action: "auth.recovery_codes.regenerated",
        actor: { type: "USER", id: userId },
        ...auditClient(client),
      },
      tx,
    );
  });
  return codes;
}

/**
 * Turns MFA off: forgets the secret and the recovery codes and ends every session (keep the current
 * one with the returned sessionVersion). Emails the owner. Callers require a recent
 * re-authentication first (step-up).
 */
export async function disableMfa(userId: string, client: RequestClient): Promise<MfaChange> {
  const sessionVersion = await getDb().$transaction(async (tx) => {
    const { count } = await tx.user.updateMany({
      where: { id: userId, mfaEnabledAt: { not: null } },
      data: { mfaEnabledAt: null, mfaSecretEncrypted: null, mfaLastUsedStep: null },
    });
    if (count !== 1) throw notOn();
    await tx.recoveryCode.deleteMany({ where: { userId } });
    await revokeAllSessions(tx, userId);
    await endLinksAfter(tx, userId, ["mfa"]);
    await recordSecurityEvent(
      { action: "auth.mfa.disabled", actor: { type: "USER", id: userId }, ...auditClient(client) },
      tx,
    );
    return currentSessionVersion(tx, userId);
  });
  await sendMfaChangedMail(userId, "disabled");
  return { sessionVersion };
}

type MfaChallengeOutcome =
  | { method: "totp" }
  /** `recoveryCodesLeft`: tell the person, and urge new codes when few are left. */
  | { method: "recovery_code"; recoveryCodesLeft: number };

/** How the challenge was passed, and the proof to set the session's authAt with (updateCurrentSession). */
export type MfaChallengeResult = MfaChallengeOutcome & { reauthentication: Reauthentication };

/**
 * The sign-in challenge: a 6-digit TOTP code, or one of the recovery codes (single use). Counts
 * against `totp-account`, giving the hit back when the code is right; records `auth.mfa.challenged` (succeeded or failed) and
 * `auth.recovery_code.used`. Throws AuthFlowError 400 `invalid_code` for a wrong, replayed or spent
 * code. On success, mark the session verified and re-authenticated (updateCurrentSession with
 * `mfa: "verified"` and the returned `reauthentication`).
 */
export async function verifyMfaChallenge(
  userId: string,
  input: string,
  client: RequestClient,
): Promise<MfaChallengeResult> {
  await limitAttempts("totp-account", userId, client);
  const db = getDb();
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: totpUserSelect });
  if (!user.mfaEnabledAt) throw notOn();

  const method = looksLikeTotpCode(input) ? "totp" : "recovery_code";
  const result: MfaChallengeOutcome | null =
    method === "totp"
      ? (await spendTotpCode(db, user, input))
        ? { method }
        : null
      : await spendRecoveryCode(userId, input);

  const actor = { type: "USER", id: userId } as const;
  await recordSecurityEvent({
    action: "auth.mfa.challenged",
    actor,
    ...auditClient(client),
    metadata: { method, result: result ? "succeeded" : "failed" },
  });
  if (!result) {
    const message =
      method === "totp"
        ? WRONG_CODE
        : "That recovery code isn't valid or was already used. Each code works once.";
    throw new AuthFlowError(400, "invalid_code", message, { code: [message] });
  }
  // Only wrong codes count against the challenge's limit, as for passwords (decision 0005): someone
  // signing in on a laptop, a phone and a tablet within 5 minutes must not be refused the right code.
  await refundRateLimit("totp-account", userId);
  if (result.method === "recovery_code") {
    await recordSecurityEvent({
      action: "auth.recovery_code.used",
      actor,
      ...auditClient(client),
      metadata: { remaining: result.recoveryCodesLeft },
    });
  }
  return { ...result, reauthentication: reauthenticatedBy(userId, result.method) };
}

/** Six digits (spaces and dashes allowed): a TOTP code; anything else is tried as a recovery code. */
function looksLikeTotpCode(input: string): boolean {
  return /^\d{6}$/.test(input.normalize("NFKC").replace(/[\s-]/g, ""));
}

/** Finds the code among the unused ones and marks it used, once, even with concurrent requests. */
async function spendRecoveryCode(
  userId: string,
  input: string,
): Promise<{ method: "recovery_code"; recoveryCodesLeft: number } | null> {
  const db = getDb();
  const unused = await db.recoveryCode.findMany({
    where: { userId, usedAt: null },
    select: { id: true, codeHash: true },
  });
  const index = await matchRecoveryCode(
    input,
    unused.map((row) => row.codeHash),
  );
  const match = index === null ? undefined : unused[index];
  if (!match) return null;
  const { count } = await db.recoveryCode.updateMany({
    where: { id: match.id, usedAt: null },
    data: { usedAt: new Date() },
  });
  if (count !== 1) return null;
  return { method: "recovery_code", recoveryCodesLeft: unused.length - 1 };
}

async function replaceRecoveryCodes(tx: Prisma.TransactionClient, userId: string, hashes: string[]) {
  await tx.recoveryCode.deleteMany({ where: { userId } });
  await tx.recoveryCode.createMany({ data: hashes.map((codeHash) => ({ userId, codeHash })) });
}

async function currentSessionVersion(tx: Prisma.TransactionClient, userId: string): Promise<number> {
  const { sessionVersion } = await tx.user.findUniqueOrThrow({
    where: { id: userId },
    select: { sessionVersion: true },
  });
  return sessionVersion;
}

/**
 * Tells the owner MFA was turned on or off. The change is already committed, so a delivery failure
 * is logged (and retried by lib/mail) but doesn't undo it or fail the request.
 */
async function sendMfaChangedMail(userId: string, change: "enabled" | "disabled"): Promise<void> {
  const user = await getDb().user.findUniqueOrThrow({
    where: { id: userId },
    select: { email: true, name: true },
  });
  try {
    await sendMail({
      ...mfaChangedMail({ name: user.name ?? undefined, link: appLink(MFA_SETTINGS_PATH), change }),
      to: user.email,
    });
  } catch (error) {
    logger.error({ err: error, userId, change }, "the MFA change email could not be sent");
  }
}
