import "server-only";
import { decode } from "next-auth/jwt";
import { getDb } from "../db";
import { serverEnv } from "../env";
import { logger } from "../log";
import { authConfig } from "./config";
import type { CurrentUser } from "./current-user";
import {
  checkedSessionUser,
  type SessionClaims,
  SessionRevokedError,
  type SessionUser,
  setBounded,
} from "./session";
import { sessionCookieNameFor } from "./session-renewal";

/**
 * The session cookie's name for this deployment. Only the name matching APP_URL is read, so an https
 * deployment never accepts a cookie that could have been set over http.
 */
export function sessionCookieName(): string {
  return sessionCookieNameFor(serverEnv().APP_URL);
}

/** Anything that lists cookies: next/headers' cookies(), or the parsed Cookie header of a Request. */
export type CookieList = { getAll(): { name: string; value: string }[] };

/**
 * The raw session token from the cookies. next-auth splits tokens over 4 kB into `<name>.0`,
 * `<name>.1`…; they are joined in order.
 */
export function sessionTokenFrom(cookies: CookieList, name = sessionCookieName()): string | undefined {
  const parts = cookies
    .getAll()
    .filter((cookie) => cookie.name === name || cookie.name.startsWith(`${name}.`))
    .sort((a, b) => chunkIndex(a.name) - chunkIndex(b.name));
  return parts.length > 0 ? parts.map((cookie) => cookie.value).join("") : undefined;
}

function chunkIndex(name: string): number {
  const dot = name.lastIndexOf(".");
  const index = Number(name.slice(dot + 1));
  return Number.isInteger(index) ? index : -1;
}

/** The cookies of a Request's Cookie header. */
export function requestCookies(request: Request): CookieList {
  const header = request.headers.get("cookie") ?? "";
  const cookies = header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes("="))
    .map((pair) => {
      const eq = pair.indexOf("=");
      return { name: pair.slice(0, eq), value: safeDecode(pair.slice(eq + 1)) };
    });
  return { getAll: () => cookies };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function isSessionClaims(
  token: Record<string, unknown> | null,
): token is Record<string, unknown> & SessionClaims {
  return (
    token !== null &&
    typeof token.uid === "string" &&
    // Sessions issued before session ids (decision 0026) had none: they can't be ended one by one,
    // so they are refused (their holders sign in once more).
    typeof token.sid === "string" &&
    typeof token.sv === "number" &&
    typeof token.signedInAt === "number" &&
    typeof token.authAt === "number" &&
    (token.mfa === "none" || token.mfa === "pending" || token.mfa === "verified")
  );
}

// Decrypting a session token (next-auth derives the key with HKDF, then decrypts the JWE) costs about
// 0.3 ms, as much as the rest of the route guard together (bench/guard-overhead.ts). A token seen
// recently is not decrypted again: the decrypted claims are kept, keyed by the token itself (no
// one without the token can use the entry), and its `exp` is checked on every use. On globalThis, as
// Next.js may load this module once per route bundle. Oldest entries go first past the cap.
const DECODED_TOKENS_MAX = 10_000;
const globalForTokens = globalThis as unknown as {
  shipshapeDecodedTokens?: Map<string, { claims: SessionClaims; expiresAtMs: number }>;
};
globalForTokens.shipshapeDecodedTokens ??= new Map();
const decodedTokens = globalForTokens.shipshapeDecodedTokens;

/** A decoded, well-formed, unexpired session token from the cookies, not yet checked against the user row. */
async function decodedClaims(cookies: CookieList, now = Date.now()): Promise<SessionClaims | null> {
  const token = sessionTokenFrom(cookies);
  if (!token) return null;
  const cached = decodedTokens.get(token);
  if (cached) {
    if (now < cached.expiresAtMs) return cached.claims;
    decodedTokens.delete(token);
    return null;
  }
  const decoded = (await decode({ token, secret: authConfig().authSecret }).catch(() => null)) as Record<
    string,
    unknown
  > | null;
  // decode() has checked `exp`; a token without one is not a session this app issued.
  if (!isSessionClaims(decoded) || typeof decoded.exp !== "number") return null;
  setBounded(decodedTokens, token, { claims: decoded, expiresAtMs: decoded.exp * 1000 }, DECODED_TOKENS_MAX);
  return decoded;
}

/**
 * The session after the same checks next-auth's jwt callback makes (signature and encryption, idle
 * expiry, absolute lifetime, revocation, disabled account): its claims and the user row they were
 * checked against, or null.
 */
async function checkedSession(
  cookies: CookieList,
): Promise<{ claims: SessionClaims; user: SessionUser } | null> {
  const claims = await decodedClaims(cookies);
  if (!claims) return null;
  try {
    const user = await checkedSessionUser(getDb(), claims, { maxAgeSeconds: authConfig().sessionMaxSeconds });
    return { claims, user };
  } catch (error) {
    if (error instanceof SessionRevokedError) {
      logger.info({ userId: claims.uid, reason: error.reason }, "session ended");
      return null;
    }
    throw error;
  }
}

/**
 * The signed-in user of these cookies, or null: the one place the CurrentUser shape is built, from
 * the session's claims and the (cached) user row the session was checked against.
 */
export async function currentUserFromCookies(cookies: CookieList): Promise<CurrentUser | null> {
  const session = await checkedSession(cookies);
  if (!session) return null;
  const { claims, user } = session;
  return {
    id: claims.uid,
    sessionId: claims.sid,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerified,
    mfa: claims.mfa,
    mfaEnabled: user.mfaEnabled,
    isPlatformAdmin: user.isPlatformAdmin,
    authAt: claims.authAt,
    deletionPending: user.deletionPending,
  };
}
