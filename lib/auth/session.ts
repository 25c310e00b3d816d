import "server-only";
import type { PrismaClient } from "../db";

/**
 * What Shipshape keeps in the session (a JWT, signed and encrypted by next-auth, in an httpOnly
 * cookie). Only ids, versions and times: never an email, a role or anything that goes stale.
 */
export type SessionClaims = {
  /** User id. */
  uid: string;
  /** The user's sessionVersion when the session started; bumping it revokes the session. */
  sv: number;
  /** When the session started (ms), for the absolute lifetime. */
  signedInAt: number;
  /** When the user last proved who they are (password or TOTP), for step-up checks (ms). */
  authAt: number;
  /** "pending": MFA is on and this session hasn't passed the TOTP challenge yet. */
  mfa: "none" | "pending" | "verified";
};

/** Why a session is no longer valid. The reason is logged; the user is simply signed out. */
export class SessionRevokedError extends Error {
  constructor(readonly reason: "expired" | "revoked" | "user_gone" | "disabled") {
    super(`session no longer valid: ${reason}`);
    this.name = "SessionRevokedError";
  }
}

/**
 * How long a session's revocation state may be served from memory. Every request checks the user's
 * sessionVersion; the cache keeps that to one query per user per few seconds. A revocation made on
 * another app instance takes effect there within this time (on this instance, at once).
 */
export const SESSION_CHECK_CACHE_MS = 5_000;

type SessionState = { sessionVersion: number; disabled: boolean; fetchedAt: number } | null;
const stateCache = new Map<string, SessionState & object>();

async function sessionState(db: PrismaClient, userId: string, now: number): Promise<SessionState> {
  const cached = stateCache.get(userId);
  if (cached && now - cached.fetchedAt < SESSION_CHECK_CACHE_MS) return cached;
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { sessionVersion: true, disabledAt: true },
  });
  if (!user) {
    stateCache.delete(userId);
    return null;
  }
  const state = { sessionVersion: user.sessionVersion, disabled: user.disabledAt !== null, fetchedAt: now };
  stateCache.set(userId, state);
  return state;
}

/** The claims of a session that starts now, after a successful password or OAuth sign-in. */
export async function startSession(
  db: PrismaClient,
  userId: string,
  now = Date.now(),
): Promise<SessionClaims> {
  const user = await db.user.findUniqueOrThrow({
    where: { id: userId },
    select: { sessionVersion: true, mfaEnabledAt: true },
  });
  return {
    uid: userId,
    sv: user.sessionVersion,
    signedInAt: now,
    authAt: now,
    mfa: user.mfaEnabledAt ? "pending" : "none",
  };
}

/**
 * Checks a session on every request: within its absolute lifetime, the user still exists and isn't
 * disabled, and no revocation (password change or reset, MFA change, email change, "sign out
 * everywhere") happened since it started. Throws SessionRevokedError otherwise.
 */
export async function checkSession(
  db: PrismaClient,
  claims: SessionClaims,
  options: { maxAgeSeconds: number; now?: number },
): Promise<SessionClaims> {
  const now = options.now ?? Date.now();
  if (now - claims.signedInAt > options.maxAgeSeconds * 1000) throw new SessionRevokedError("expired");
  const state = await sessionState(db, claims.uid, now);
  if (!state) throw new SessionRevokedError("user_gone");
  if (state.disabled) throw new SessionRevokedError("disabled");
  if (state.sessionVersion !== claims.sv) throw new SessionRevokedError("revoked");
  return claims;
}

/**
 * Ends every session of a user at once by bumping sessionVersion. Pass the transaction that makes
 * the change that requires it (a password reset, an MFA change), so both commit or neither does.
 */
export async function revokeAllSessions(db: Pick<PrismaClient, "user">, userId: string): Promise<void> {
  await db.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } } });
  stateCache.delete(userId);
}
