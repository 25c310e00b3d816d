// Imported by proxy.ts, so no "server-only" and nothing else: a plain constant.

/**
 * The largest body next-auth's endpoints (/api/auth/*) accept: a sign-in form (email, a password of
 * at most 1024 characters, the CSRF token, a callback URL of at most 2048) fits with room to spare.
 * next-auth itself parses any body whole, so proxy.ts (by Content-Length) and the route (while
 * reading) refuse a larger one with a 413.
 */
export const AUTH_BODY_MAX_BYTES = 16_000;
