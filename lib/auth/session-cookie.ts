import "server-only";
import { cookies } from "next/headers";
import { decode, encode } from "next-auth/jwt";
import { recordSecurityEvent } from "../audit";
import { getDb } from "../db";
import { serverEnv } from "../env";
import { type AuthConfig, authConfig } from "./config";
import { auditClient, type RequestClient } from "./flow-support";
import type { Reauthentication } from "./reauthentication";
import { revokeAllSessions, type SessionClaims } from "./session";
import { isSessionClaims, sessionCookieName, sessionTokenFrom } from "./session-token";

// Changing the session of the request being handled. next-auth 4 keeps the session in an encrypted
// JWT cookie and only rewrites it at sign-in and on its own /api/auth/session endpoint, so a server
// action that passes the MFA challenge, re-authenticates, or revokes every *other* session rewrites
// the cookie itself: decode it with the same secret, apply the change, encode it with the same
// lifetime, and set it under the same name and options next-auth uses. See decision 0013.

/**
 * What may change in a live session. authAt is not in it: it moves only with a `reauthentication`,
 * which only lib/auth's credential checks produce (reauthentication.ts), so no caller can refresh
 * it after anything else (issue 11: confirming a new authenticator did).
 */
export type SessionPatch = Partial<Pick<SessionClaims, "mfa" | "sv">> & {
  /** A credential of this session's user just proved: sets authAt to its time. */
  reauthentication?: Reauthentication;
};

/** next-auth splits a token longer than this over several cookies; ours are ~500 characters. */
const COOKIE_CHUNK_SIZE = 3933;

/** The session token next-auth would write for these claims (same secret, same idle lifetime). */
export async function encodeSessionToken(
  claims: SessionClaims,
  config: Pick<AuthConfig, "authSecret" | "sessionIdleSeconds"> = authConfig(),
): Promise<string> {
  const { uid, sid, sv, signedInAt, authAt, mfa } = claims;
  return encode({
    token: { sub: uid, uid, sid, sv, signedInAt, authAt, mfa },
    secret: config.authSecret,
    maxAge: config.sessionIdleSeconds,
  });
}

/** A session that can't be patched: there is none, or it ended. */
export class NoCurrentSessionError extends Error {
  override name = "NoCurrentSessionError";
  readonly status = 401;
  readonly code = "unauthenticated";
  constructor() {
    super("Your session has ended. Sign in again.");
  }
}

/**
 * Applies `patch` to the session in `token` and returns the new token. The session must still be
 * good: decryptable, within its absolute lifetime, and of a user who isn't disabled. Its version must
 * be the user's current one and its UserSession row live, or, when the patch sets `sv` (keeping this
 * session after revoking all the others, which ended its row too), the patch's version must be: the
 * device then gets a new session row, with the same start. So a revoked session can't be brought back.
 */
export async function patchSessionToken(
  token: string,
  patch: SessionPatch,
  options: { config?: AuthConfig; now?: number } = {},
): Promise<{ token: string; claims: SessionClaims }> {
  const config = options.config ?? authConfig();
  const now = options.now ?? Date.now();
  const decoded = (await decode({ token, secret: config.authSecret }).catch(() => null)) as Record<
    string,
    unknown
  > | null;
  if (!isSessionClaims(decoded)) throw new NoCurrentSessionError();
  if (now - decoded.signedInAt > config.sessionMaxSeconds * 1000) throw new NoCurrentSessionError();
  const user = await getDb().user.findUnique({
    where: { id: decoded.uid },
    select: { sessionVersion: true, disabledAt: true },
  });
  const version = patch.sv ?? decoded.sv;
  if (!user || user.disabledAt || user.sessionVersion !== version) throw new NoCurrentSessionError();
  const row = await getDb().userSession.findUnique({
    where: { id: decoded.sid },
    select: { userId: true, device: true, endedAt: true },
  });
  if (!row || row.userId !== decoded.uid) throw new NoCurrentSessionError();
  const keptAcrossRevocation = patch.sv !== undefined && patch.sv !== decoded.sv;
  if (!keptAcrossRevocation && row.endedAt) throw new NoCurrentSessionError();
  // Someone else's proof doesn't re-authenticate this session.
  if (patch.reauthentication && patch.reauthentication.userId !== decoded.uid)
    throw new NoCurrentSessionError();

  const sid = keptAcrossRevocation
    ? (
        await getDb().userSession.create({
          data: { userId: decoded.uid, device: row.device, createdAt: new Date(decoded.signedInAt) },
          select: { id: true },
        })
      ).id
    : decoded.sid;
  const claims: SessionClaims = {
    uid: decoded.uid,
    sid,
    sv: version,
    signedInAt: decoded.signedInAt,
    authAt: patch.reauthentication?.at ?? decoded.authAt,
    mfa: patch.mfa ?? decoded.mfa,
  };
  return { token: await encodeSessionToken(claims, config), claims };
}

/** The options next-auth 4 gives its session cookie (core/lib/cookie.js), with this token's expiry. */
function cookieOptions(config: AuthConfig, now: number) {
  return {
    httpOnly: true,
    sameSite: "lax" as const,
    path: "/",
    secure: serverEnv().APP_URL.startsWith("https://"),
    expires: new Date(now + config.sessionIdleSeconds * 1000),
  };
}

/**
 * Changes the session of the current request (a server action or route handler) and writes the
 * new cookie: after the MFA challenge `{ mfa: "verified", reauthentication }`, after a step-up
 * `{ reauthentication }` (both from lib/auth's credential check), after revoking every session but
 * this one `{ sv: newSessionVersion }`.
 * Throws NoCurrentSessionError (401) when the request has no session that may be patched.
 */
export async function updateCurrentSession(patch: SessionPatch): Promise<SessionClaims> {
  const jar = await cookies();
  const name = sessionCookieName();
  const current = sessionTokenFrom(jar, name);
  if (!current) throw new NoCurrentSessionError();
  const config = authConfig();
  const now = Date.now();
  const { token, claims } = await patchSessionToken(current, patch, { config, now });
  if (token.length > COOKIE_CHUNK_SIZE) {
    throw new Error(
      `updateCurrentSession: the session token grew to ${token.length} characters; keep claims small.`,
    );
  }
  const options = cookieOptions(config, now);
  // A session that next-auth had split over `<name>.0`, `<name>.1`… now fits in one cookie.
  expireSessionCookies(jar, name, options, { chunksOnly: true });
  jar.set(name, token, options);
  return claims;
}

type CookieJar = Awaited<ReturnType<typeof cookies>>;

/** Expires the session cookie (and any chunks), with the options it was set with (Secure for `__Secure-`). */
function expireSessionCookies(
  jar: CookieJar,
  name: string,
  options: ReturnType<typeof cookieOptions>,
  { chunksOnly }: { chunksOnly: boolean },
): void {
  for (const cookie of jar.getAll()) {
    const isChunk = cookie.name.startsWith(`${name}.`);
    if (isChunk || (!chunksOnly && cookie.name === name)) {
      jar.set(cookie.name, "", { ...options, expires: new Date(0) });
    }
  }
}

/**
 * "Sign out of all devices": bumps sessionVersion (every session ends, on every instance within
 * SESSION_CHECK_CACHE_MS) and records `auth.sessions.revoked`. With `keepCurrent`, this device
 * stays signed in with the new version ("sign out all other devices"); without it, its cookie is
 * cleared too.
 */
export async function signOutDevices(
  userId: string,
  options: { keepCurrent: boolean },
  client: RequestClient,
): Promise<void> {
  const sessionVersion = await getDb().$transaction(async (tx) => {
    await revokeAllSessions(tx, userId);
    await recordSecurityEvent(
      {
        action: "auth.sessions.revoked",
        actor: { type: "USER", id: userId },
        ...auditClient(client),
        metadata: { scope: options.keepCurrent ? "other_devices" : "all_devices" },
      },
      tx,
    );
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { sessionVersion: true } });
    return user.sessionVersion;
  });
  if (options.keepCurrent) {
    await updateCurrentSession({ sv: sessionVersion });
    return;
  }
  expireSessionCookies(await cookies(), sessionCookieName(), cookieOptions(authConfig(), Date.now()), {
    chunksOnly: false,
  });
}
