import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type RateLimitPolicyName,
  type RateLimitRefusal,
  rateLimitHeaders,
  rateLimitRefusal,
} from "../ratelimit";

/**
 * Password sign-in runs inside next-auth, which answers every refusal its own way (a 401 whose JSON
 * names the error for the form). A rate-limit refusal should still be a 429 (or 503 when the limit's
 * store is down) with Retry-After and RateLimit headers, like every other limited endpoint, so that
 * scripts and proxies can back off. authorize() reports the refusal here, and the next-auth route
 * handler, which runs next-auth inside `captureSignInRefusal`, rewrites the answer's status and
 * headers. The body stays next-auth's, so the sign-in form reads the error as before.
 */
/** A sign-in refused by a rate limit: which policy, and its decision (for the status and headers). */
export type SignInRefusal = { policy: RateLimitPolicyName; decision: RateLimitRefusal };

const current = new AsyncLocalStorage<{ refused?: SignInRefusal }>();

/** Called by authorize(); does nothing outside captureSignInRefusal (scripts, tests of lib code). */
export function reportSignInRefusal(refused: SignInRefusal): void {
  const holder = current.getStore();
  if (holder) holder.refused = refused;
}

/**
 * Runs next-auth's handler and, when a sign-in in it was refused by a rate limit, answers with that
 * refusal's status and headers around next-auth's body.
 */
export async function captureSignInRefusal(handle: () => Promise<Response>): Promise<Response> {
  const holder: { refused?: SignInRefusal } = {};
  const response = await current.run(holder, handle);
  if (!holder.refused) return response;
  const { policy, decision } = holder.refused;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(rateLimitHeaders(decision, policy))) headers.set(name, value);
  return new Response(response.body, { status: rateLimitRefusal(decision).status, headers });
}
