// What the sign-in, re-auth, MFA and account pages need from next-auth in the browser: three form
// posts to its endpoints. next-auth/react would ship ~12 kB gzip of client code (with @babel/runtime
// and a session broadcast channel the app doesn't use), compiled into a separate chunk per page;
// these helpers speak the same protocol in a few lines (decision 0037). No server imports: client
// components import this file.
//
// The protocol (next-auth 4's own client does the same): fetch the CSRF token (GET /api/auth/csrf,
// which also sets the matching cookie), then POST the form urlencoded with `csrfToken` and
// `json=true`; the answer is { url } instead of a redirect, and a refusal names itself in that
// URL's `error` parameter.

type AuthAnswer = { ok: boolean; url: string | null; error: string | null };

async function csrfToken(): Promise<string> {
  const response = await fetch("/api/auth/csrf", { cache: "no-store" });
  const body = (await response.json().catch(() => ({}))) as { csrfToken?: unknown };
  if (!response.ok || typeof body.csrfToken !== "string") {
    throw new Error(`next-auth's CSRF endpoint answered ${response.status}`);
  }
  return body.csrfToken;
}

async function postToAuth(endpoint: string, fields: Record<string, string>): Promise<AuthAnswer> {
  const response = await fetch(`/api/auth/${endpoint}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, csrfToken: await csrfToken(), json: "true" }),
  });
  const body = (await response.json().catch(() => ({}))) as { url?: unknown };
  const url = typeof body.url === "string" ? body.url : null;
  const error = url ? new URL(url, window.location.origin).searchParams.get("error") : null;
  return { ok: response.ok && error === null && url !== null, url, error };
}

/**
 * Email and password (and the honeypot field): `ok` when a session was started, else `error` is
 * lib/auth's refusal code (rate_limited, unavailable, invalid_input) or next-auth's CredentialsSignin.
 */
export async function signInWithPassword(
  fields: Record<string, string>,
): Promise<{ ok: boolean; error: string | null }> {
  const { ok, error } = await postToAuth("callback/credentials", {
    ...fields,
    callbackUrl: window.location.href,
  });
  return { ok, error: ok ? null : (error ?? "unavailable") };
}

/** Sends the browser to the OAuth provider; back at `callbackUrl` (a same-origin path) afterwards. */
export async function signInWithProvider(providerId: string, callbackUrl: string): Promise<void> {
  const { url } = await postToAuth(`signin/${encodeURIComponent(providerId)}`, { callbackUrl });
  window.location.assign(url ?? `/sign-in?error=unavailable`);
}

/** Ends the session (next-auth's signout endpoint revokes it), then goes to `callbackUrl`. */
export async function signOut(callbackUrl: string): Promise<void> {
  const { url } = await postToAuth("signout", { callbackUrl });
  window.location.assign(url ?? callbackUrl);
}
