import "server-only";
import type { PrismaClient } from "../db";
import { describeDevice } from "./device";

/**
 * What Shipshape keeps in the session (a JWT, signed and encrypted by next-auth, in an httpOnly
 * cookie). Only ids, versions and times: never an email, a role or anything that goes stale.
 */
export type SessionClaims = {
  /** User id. */
  uid: string;
  /** The session's UserSession row: ending it ends this session for every copy of the cookie. */
  sid: string;
  /** The user's sessionVersion when the session started; bumping it revokes the session. */
  sv: number;
  /** When the session started (ms), for the absolute lifetime. */
  signedInAt: number;
  /** When the user last proved who they are (password or TOTP), for step-up checks (ms). */
  authAt: number;
  /** "pending": MFA is on and this session hasn't passed the TOTP challenge yet. */
  mfa: "none" | "pending" | "verified";
};

/**
 * How stale a session's lastSeenAt may get while it is in use: it is written at most this often per
 * session and instance, so using the app doesn't mean a write per request.
 */
export const SESSION_LAST_SEEN_RESOLUTION_MS = 5 * 60_000;

/** Why a session is no longer valid. The reason is logged; the user is simply signed out. */
export class SessionRevokedError extends Error {
  constructor(readonly reason: "expired" | "revoked" | "user_gone" | "disabled") {
    super(`session no longer valid: ${reason}`);
    this.name = "SessionRevokedError";
  }
}

/**
 * How long the user row behind a session may be served from memory. Every request checks the
 * user's sessionVersion and builds the CurrentUser from the same row; the cache keeps that to one
 * query per user per few seconds. A revocation made on another app instance takes effect there
 * within this time (on this instance, at once: see revokeAllSessions).
 */
export const SESSION_CHECK_CACHE_MS = 5_000;

/**
 * At most this many user rows are cached per process; past it the one fetched longest ago goes
 * first (as with the decrypted tokens, session-token.ts), so the memory stays bounded however many
 * users are active.
 */
const SESSION_USERS_MAX = 10_000;

/**
 * How long a revocation may wait for its transaction to commit before it counts as rolled back.
 * Far longer than a transaction that revokes sessions stays open: Prisma's interactive
 * transactions time out after 5 s unless the caller raises it, and none of these callers does.
 */
const REVOCATION_COMMIT_WAIT_MS = 60_000;

/** The user row as a session sees it: what the check needs and what CurrentUser shows. */
export type SessionUser = {
  sessionVersion: number;
  disabled: boolean;
  email: string;
  name: string | null;
  emailVerified: boolean;
  mfaEnabled: boolean;
  isPlatformAdmin: boolean;
  deletionPending: boolean;
};

// On globalThis: a Next.js build may load this module once per route bundle, and a revocation made in
// one (a server action) must reach the cache every bundle of the process reads.
const globalForSessions = globalThis as unknown as {
  shipshapeSessionUsers?: Map<string, SessionUser & { fetchedAt: number }>;
  shipshapeUncommittedRevocations?: Map<string, { sessionVersion: number; revokedAt: number }>;
  shipshapeSessionRows?: Map<string, SessionRow & { fetchedAt: number }>;
  shipshapeSessionsEndedHere?: Map<string, number>;
};
globalForSessions.shipshapeSessionUsers ??= new Map();
globalForSessions.shipshapeUncommittedRevocations ??= new Map();
globalForSessions.shipshapeSessionRows ??= new Map();
globalForSessions.shipshapeSessionsEndedHere ??= new Map();
const userCache = globalForSessions.shipshapeSessionUsers;

/** A session's UserSession row as the check sees it; cached like the user row, per session id. */
type SessionRow = { userId: string; ended: boolean; lastSeenAt: number };
const sessionRowCache = globalForSessions.shipshapeSessionRows;

/**
 * Sessions ended on this instance (endSession, after its commit), by when: refused here at once,
 * even if a request that read the row just before the commit caches it as live afterwards. Needed
 * only while such a cached row could last (SESSION_CHECK_CACHE_MS); bounded like the caches.
 */
const sessionsEndedHere = globalForSessions.shipshapeSessionsEndedHere;

/**
 * Revocations made in this process whose transaction may not have committed yet: the
 * sessionVersion the user's row has once it has. revokeAllSessions runs inside the caller's
 * transaction, so dropping the cached row there is not enough: a request on this instance that
 * reads the row before the commit still gets the old version, and caching it would let every
 * revoked session back in for SESSION_CHECK_CACHE_MS. So no row older than the revocation is
 * cached; the first read that sees the new version (the commit happened) ends the wait.
 */
const uncommittedRevocations = globalForSessions.shipshapeUncommittedRevocations;

/** True while a revocation of this user made here is newer than the version just read. */
function awaitsRevocationCommit(userId: string, rowSessionVersion: number): boolean {
  const revocation = uncommittedRevocations.get(userId);
  if (!revocation) return false;
  const committed = rowSessionVersion >= revocation.sessionVersion;
  const rolledBack = Date.now() - revocation.revokedAt > REVOCATION_COMMIT_WAIT_MS;
  if (committed || rolledBack) {
    uncommittedRevocations.delete(userId);
    return false;
  }
  return true;
}

/**
 * Sets `key` in a map used as a bounded cache: past `max` entries the one set longest ago goes. A
 * Map iterates in insertion order, and deleting the key first moves it to the end of that order.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) {
    const setLongestAgo = map.keys().next().value;
    if (setLongestAgo !== undefined) map.delete(setLongestAgo);
  }
  map.set(key, value);
}

function cacheSessionUser(userId: string, user: SessionUser, now: number): void {
  if (awaitsRevocationCommit(userId, user.sessionVersion)) return;
  setBounded(userCache, userId, { ...user, fetchedAt: now }, SESSION_USERS_MAX);
}

async function sessionUser(db: PrismaClient, userId: string, now: number): Promise<SessionUser | null> {
  const cached = userCache.get(userId);
  if (cached && now - cached.fetchedAt < SESSION_CHECK_CACHE_MS) return cached;
  const row = await db.user.findUnique({
    where: { id: userId },
    select: {
      sessionVersion: true,
      disabledAt: true,
      email: true,
      name: true,
      emailVerifiedAt: true,
      mfaEnabledAt: true,
      isPlatformAdmin: true,
      deletionRequestedAt: true,
    },
  });
  if (!row) {
    userCache.delete(userId);
    return null;
  }
  const user: SessionUser = {
    sessionVersion: row.sessionVersion,
    disabled: row.disabledAt !== null,
    email: row.email,
    name: row.name,
    emailVerified: row.emailVerifiedAt !== null,
    mfaEnabled: row.mfaEnabledAt !== null,
    isPlatformAdmin: row.isPlatformAdmin,
    deletionPending: row.deletionRequestedAt !== null,
  };
  cacheSessionUser(userId, user, now);
  return user;
}

/**
 * Drops this instance's cached row of a user, after a change to what CurrentUser shows that doesn't
 * revoke sessions (an address verified, a deletion cancelled), so the next request sees it at once.
 * Call it after the change has committed.
 */
export function forgetSessionUser(userId: string): void {
  userCache.delete(userId);
}

/**
 * The claims of a session that starts now, after a successful password or OAuth sign-in, and its
 * UserSession row (the device is described from `client.userAgent`).
 */
export async function startSession(
  db: PrismaClient,
  userId: string,
  now = Date.now(),
  client: { userAgent?: string | null } = {},
): Promise<SessionClaims> {
  const user = await db.user.findUniqueOrThrow({
    where: { id: userId },
    select: { sessionVersion: true, mfaEnabledAt: true },
  });
  const session = await db.userSession.create({
    data: {
      userId,
      device: describeDevice(client.userAgent),
      createdAt: new Date(now),
      lastSeenAt: new Date(now),
    },
    select: { id: true },
  });
  return {
    uid: userId,
    sid: session.id,
    sv: user.sessionVersion,
    signedInAt: now,
    authAt: now,
    mfa: user.mfaEnabledAt ? "pending" : "none",
  };
}

/**
 * Checks a session on every request: within its absolute lifetime, the user still exists and isn't
 * disabled, no revocation (password change or reset, MFA change, email change, "sign out
 * everywhere") happened since it started, and the session itself wasn't ended (sign-out, the
 * sessions page). Throws SessionRevokedError otherwise.
 */
export async function checkSession(
  db: PrismaClient,
  claims: SessionClaims,
  options: { maxAgeSeconds: number; now?: number },
): Promise<SessionClaims> {
  await checkedSessionUser(db, claims, options);
  return claims;
}

/** checkSession, returning the user row it checked against (one cached read for both). */
export async function checkedSessionUser(
  db: PrismaClient,
  claims: SessionClaims,
  options: { maxAgeSeconds: number; now?: number },
): Promise<SessionUser> {
  const now = options.now ?? Date.now();
  if (now - claims.signedInAt > options.maxAgeSeconds * 1000) throw new SessionRevokedError("expired");
  const user = await sessionUser(db, claims.uid, now);
  if (!user) throw new SessionRevokedError("user_gone");
  if (user.disabled) throw new SessionRevokedError("disabled");
  if (user.sessionVersion !== claims.sv) throw new SessionRevokedError("revoked");
  if (!(await sessionIsLive(db, claims, now))) throw new SessionRevokedError("revoked");
  return user;
}

/** Whether the session's row exists, is this user's and hasn't ended; notes when it was last seen. */
async function sessionIsLive(db: PrismaClient, claims: SessionClaims, now: number): Promise<boolean> {
  const endedHereAt = sessionsEndedHere.get(claims.sid);
  if (endedHereAt !== undefined) {
    if (now - endedHereAt <= SESSION_CHECK_CACHE_MS) return false;
    sessionsEndedHere.delete(claims.sid);
  }
  const cached = sessionRowCache.get(claims.sid);
  const row =
    cached && now - cached.fetchedAt < SESSION_CHECK_CACHE_MS
      ? cached
      : await readSessionRow(db, claims.sid, now);
  if (!row) return false;
  return !row.ended && row.userId === claims.uid;
}

async function readSessionRow(db: PrismaClient, sessionId: string, now: number): Promise<SessionRow | null> {
  const found = await db.userSession.findUnique({
    where: { id: sessionId },
    select: { userId: true, endedAt: true, lastSeenAt: true },
  });
  if (!found) {
    sessionRowCache.delete(sessionId);
    return null;
  }
  const row: SessionRow = {
    userId: found.userId,
    ended: found.endedAt !== null,
    lastSeenAt: found.lastSeenAt.getTime(),
  };
  if (!row.ended && now - row.lastSeenAt > SESSION_LAST_SEEN_RESOLUTION_MS) {
    // Conditional: an ended session stays as it ended.
    await db.userSession.updateMany({
      where: { id: sessionId, endedAt: null },
      data: { lastSeenAt: new Date(now) },
    });
    row.lastSeenAt = now;
  }
  setBounded(sessionRowCache, sessionId, { ...row, fetchedAt: now }, SESSION_USERS_MAX);
  return row;
}

/**
 * Ends one session of a user (sign-out, the sessions page): every copy of its cookie is refused,
 * on this instance from the commit on, on the others within SESSION_CHECK_CACHE_MS. Pass the
 * transaction that records the event; call forgetEndedSession with the id after it commits.
 * Returns the session's device, or null when there was no live session of this user with that id.
 */
export async function endSession(
  db: Pick<PrismaClient, "userSession">,
  userId: string,
  sessionId: string,
): Promise<{ device: string } | null> {
  const [ended] = await db.userSession.updateManyAndReturn({
    where: { id: sessionId, userId, endedAt: null },
    data: { endedAt: new Date() },
    select: { device: true },
  });
  return ended ?? null;
}

/** After endSession's transaction committed: this instance refuses the session at once. */
export function forgetEndedSession(sessionId: string, now = Date.now()): void {
  setBounded(sessionsEndedHere, sessionId, now, SESSION_USERS_MAX);
  sessionRowCache.delete(sessionId);
}

/**
 * Ends every session of a user at once by bumping sessionVersion. Pass the transaction that makes
 * the change that requires it (a password reset, an MFA change), so both commit or neither does.
 * This instance refuses the old sessions from the commit on, also when a request read the user's
 * row in between (uncommittedRevocations); other instances within SESSION_CHECK_CACHE_MS.
 */
export async function revokeAllSessions(
  db: Pick<PrismaClient, "user" | "userSession">,
  userId: string,
): Promise<void> {
  const { sessionVersion } = await db.user.update({
    where: { id: userId },
    data: { sessionVersion: { increment: 1 } },
    select: { sessionVersion: true },
  });
  // The rows end too, so the sessions page lists none of them; a device kept signed in gets a new
  // session (patchSessionToken with the new version).
  await db.userSession.updateMany({ where: { userId, endedAt: null }, data: { endedAt: new Date() } });
  // Bounded like the cache: a revocation whose user is never read again would otherwise stay.
  setBounded(uncommittedRevocations, userId, { sessionVersion, revokedAt: Date.now() }, SESSION_USERS_MAX);
  userCache.delete(userId);
}
