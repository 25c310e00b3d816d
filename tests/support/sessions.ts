// Real next-auth session cookies for tests that call route handlers directly: the same claims
// startSession gives at sign-in, encrypted with the app's secret, under the cookie name the app reads.
import { encode } from "next-auth/jwt";
import { readAuthConfig, type SessionClaims, sessionCookieName, startSession } from "@/lib/auth";
import { testDb } from "./db";

/** A `Cookie` header value carrying a session for `userId`; override any claim (mfa, authAt…). */
export async function sessionCookieFor(
  userId: string,
  overrides: Partial<SessionClaims> = {},
): Promise<string> {
  const claims = { ...(await startSession(testDb(), userId)), ...overrides };
  const config = readAuthConfig(process.env);
  const token = await encode({ token: claims, secret: config.authSecret, maxAge: config.sessionIdleSeconds });
  return `${sessionCookieName()}=${token}`;
}

/** A Request to the app as a browser would send it, optionally signed in and with a JSON body. */
export function appRequest(
  path: string,
  options: {
    method?: string;
    cookie?: string;
    body?: unknown;
    ip?: string;
    headers?: Record<string, string>;
  } = {},
): Request {
  const headers = new Headers(options.headers);
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.ip) headers.set("x-forwarded-for", options.ip);
  if (options.body !== undefined) headers.set("content-type", "application/json");
  return new Request(new URL(path, "http://localhost"), {
    method: options.method ?? (options.body === undefined ? "GET" : "POST"),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
}
