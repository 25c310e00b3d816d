// The rolling idle lifetime. next-auth only re-issues its session cookie when the client calls
// /api/auth/session, which server-rendered pages never do; proxy.ts calls this on page requests
// instead, so a session in use keeps living and one left idle for AUTH_SESSION_IDLE_DAYS ends.
// No database here (it runs before routing on every page request): revocation, the absolute
// lifetime and disabled accounts are still checked on every use (session-token.ts).
import { decode, encode } from "next-auth/jwt";
import { authConfig } from "./config";

/**
 * next-auth's session cookie name: `__Secure-`-prefixed when the app is served over https (the
 * browser then only accepts it with Secure), plain in http development.
 */
export function sessionCookieNameFor(appUrl: string): string {
  return appUrl.startsWith("https://") ? "__Secure-next-auth.session-token" : "next-auth.session-token";
}

/** Re-issue the cookie at most this often, so most requests don't set a cookie at all. */
export const SESSION_RENEW_AFTER_SECONDS = 60 * 60;

export type RenewedSessionCookie = { value: string; maxAgeSeconds: number };

/**
 * The session token re-encrypted with a fresh idle expiry when it is valid and older than
 * SESSION_RENEW_AFTER_SECONDS; null when it needs no renewal or is not a valid token (leave it:
 * the app treats an invalid token as signed out).
 */
export async function renewSessionToken(
  token: string,
  now = Date.now(),
): Promise<RenewedSessionCookie | null> {
  const config = authConfig();
  const claims = await decode({ token, secret: config.authSecret }).catch(() => null);
  if (!claims || typeof claims.iat !== "number") return null;
  if (now / 1000 - claims.iat < SESSION_RENEW_AFTER_SECONDS) return null;
  const { iat: _iat, exp: _exp, jti: _jti, ...rest } = claims;
  const value = await encode({ token: rest, secret: config.authSecret, maxAge: config.sessionIdleSeconds });
  return { value, maxAgeSeconds: config.sessionIdleSeconds };
}
