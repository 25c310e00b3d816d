import "server-only";
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { cookies } from "next/headers";
import { getDb } from "../db";
import { serverEnv } from "../env";
import { authConfig } from "./config";
import { normalizeEmail } from "./email";

// Device cookies (OWASP, "Slow Down Online Guessing Attacks with Device Cookies"; decision 0027).
// A browser that completed a sign-in to an account (after MFA when the account has it), or that
// opened the account's unlock link, gets a cookie naming that account, signed with a key derived
// from AUTH_SECRET. Password sign-in from such a browser counts its failures against the device's
// own budget (`sign-in-device`) instead of the account's (`sign-in-account` and the lockout), so an
// attacker who locks the account locks out every browser but the owner's. The cookie grants
// nothing else: the password is still checked, MFA still applies, and a device past its budget
// signs in like any unknown browser.

/** A year: long enough that the owner's browsers stay known, short enough to age out lost ones. */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 24 * 60 * 60;

/** How many device cookies a sign-in looks at (a shared browser holds one per account signed in). */
const MAX_DEVICE_COOKIES = 20;

/**
 * The name's start. On https `__Host-`: the browser accepts it only with Secure, Path=/ and no
 * Domain, so neither an http page nor a sibling subdomain can plant or overwrite one. Only the
 * prefix matching APP_URL is read, as for the session cookie.
 */
export function deviceCookiePrefix(appUrl: string = serverEnv().APP_URL): string {
  return appUrl.startsWith("https://") ? "__Host-shipshape-device." : "shipshape-device.";
}

/** A device cookie that checked out for the account being signed in to. */
export type KnownDevice = {
  /** The account it was issued to; the sign-in honours it only if the email still leads there. */
  userId: string;
  /** Random per cookie: the key of the device's own failure budget. */
  nonce: string;
};

/** The HMAC key, derived from AUTH_SECRET for this one use (HKDF), so it signs nothing else. */
function signingKey(): Buffer {
  return Buffer.from(hkdfSync("sha256", authConfig().authSecret, "", "shipshape device cookie v1", 32));
}

/** The signature binds the account (id and address), the expiry (Unix seconds) and the nonce. */
function sign(userId: string, email: string, expiresAt: string, nonce: string): string {
  return createHmac("sha256", signingKey())
    .update(`${userId}\n${normalizeEmail(email)}\n${expiresAt}\n${nonce}`)
    .digest("base64url");
}

/** The Set-Cookie header value that makes this browser a device of the account. */
export function deviceSetCookie(
  user: { id: string; email: string },
  { now = Date.now(), appUrl = serverEnv().APP_URL }: { now?: number; appUrl?: string } = {},
): string {
  const { name, value, options } = deviceCookie(user, now, appUrl);
  const attributes = [
    `${name}=${value}`,
    `Path=${options.path}`,
    `Expires=${options.expires.toUTCString()}`,
    `Max-Age=${options.maxAge}`,
    "HttpOnly",
    "SameSite=Lax",
  ];
  if (options.secure) attributes.push("Secure");
  return attributes.join("; ");
}

function deviceCookie(user: { id: string; email: string }, now: number, appUrl: string) {
  const expiresAt = Math.floor(now / 1000) + DEVICE_COOKIE_MAX_AGE_SECONDS;
  const nonce = randomBytes(16).toString("base64url");
  return {
    name: `${deviceCookiePrefix(appUrl)}${user.id}`,
    value: `${user.id}.${expiresAt}.${nonce}.${sign(user.id, user.email, String(expiresAt), nonce)}`,
    options: {
      httpOnly: true,
      sameSite: "lax" as const,
      path: "/",
      secure: appUrl.startsWith("https://"),
      maxAge: DEVICE_COOKIE_MAX_AGE_SECONDS,
      expires: new Date(expiresAt * 1000),
    },
  };
}

/**
 * Makes the browser of the current request (a server action) a device of the account: after the
 * MFA challenge, and when it opens the account's unlock link.
 */
export async function rememberThisDevice(userId: string): Promise<void> {
  const user = await getDb().user.findUnique({ where: { id: userId }, select: { id: true, email: true } });
  if (!user) return;
  const { name, value, options } = deviceCookie(user, Date.now(), serverEnv().APP_URL);
  (await cookies()).set(name, value, options);
}

/**
 * The device cookie in a Cookie header that was issued for the account of `email` and hasn't
 * expired, or null. Every candidate costs one HMAC whatever the outcome, and none is looked up in
 * the database, so this takes the same time for a registered and an unknown address.
 */
export function knownDevice(
  cookieHeader: string | null | undefined,
  email: string,
  now = Date.now(),
): KnownDevice | null {
  const prefix = deviceCookiePrefix();
  const candidates = (cookieHeader ?? "")
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.startsWith(prefix))
    .slice(0, MAX_DEVICE_COOKIES);
  for (const pair of candidates) {
    const [userId, expires, nonce, signature, ...extra] = pair.slice(pair.indexOf("=") + 1).split(".");
    if (!userId || !expires || !nonce || !signature || extra.length > 0) continue;
    const expected = Buffer.from(sign(userId, email, expires, nonce));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) continue;
    if (Number(expires) * 1000 <= now) continue;
    return { userId, nonce };
  }
  return null;
}
