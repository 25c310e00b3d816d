import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type RateLimitPolicyName,
  type RateLimitRefusal,
  rateLimitHeaders,
  rateLimitRefusal,
} from "../ratelimit";

/**
 * Password sign-in runs inside next-auth, which answers every outcome its own way (a 401 or a 200
 * whose JSON names the error or the page for the form) and lets its callbacks set no headers. Three
 * things still belong on that answer, and the code that knows them reports them here while the
 * next-auth route handler, run inside `captureSignInAnswer`, adds them around next-auth's body
 * (which the sign-in form reads as before):
 * - a rate-limit refusal: 429 (503 when the limit's store is down) with Retry-After and RateLimit
 *   headers, like every other limited endpoint, so that scripts and proxies can back off;
 * - sign-in being unavailable (the database can't be reached): 503 with Retry-After;
 * - the device cookie a completed sign-in gives the browser (device-cookie.ts).
 */
/** A sign-in refused by a rate limit: which policy, and its decision (for the status and headers). */
export type SignInRefusal = { policy: RateLimitPolicyName; decision: RateLimitRefusal };

type SignInAnswer = { refused?: SignInRefusal; unavailable?: boolean; setCookies: string[] };

/** How long a client should wait before trying again when sign-in is unavailable. */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

const current = new AsyncLocalStorage<SignInAnswer>();

// Each is called by next-auth's authorize or callbacks; outside captureSignInAnswer (scripts, tests
// of lib code) they do nothing.

export function reportSignInRefusal(refused: SignInRefusal): void {
  const answer = current.getStore();
  if (answer) answer.refused = refused;
}

export function reportSignInUnavailable(): void {
  const answer = current.getStore();
  if (answer) answer.unavailable = true;
}

/** A Set-Cookie header value for the sign-in's answer. */
export function reportSignInCookie(setCookie: string): void {
  current.getStore()?.setCookies.push(setCookie);
}

/** Runs next-auth's handler and adds what its sign-in reported to the answer. */
export async function captureSignInAnswer(handle: () => Promise<Response>): Promise<Response> {
  const answer: SignInAnswer = { setCookies: [] };
  const response = await current.run(answer, handle);
  if (!answer.refused && !answer.unavailable && answer.setCookies.length === 0) return response;
  const headers = new Headers(response.headers);
  for (const setCookie of answer.setCookies) headers.append("set-cookie", setCookie);
  let status = response.status;
  if (answer.refused) {
    const { policy, decision } = answer.refused;
    for (const [name, value] of Object.entries(rateLimitHeaders(decision, policy))) headers.set(name, value);
    status = rateLimitRefusal(decision).status;
  } else if (answer.unavailable) {
    headers.set("retry-after", String(UNAVAILABLE_RETRY_AFTER_SECONDS));
    status = 503;
  }
  return new Response(response.body, { status, headers });
}
