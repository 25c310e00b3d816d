import type { RateLimitDecision, RateLimitRefusal } from "./limiter";
import { RATE_LIMIT_POLICIES, type RateLimitPolicy, type RateLimitPolicyName } from "./policies";

/**
 * Response headers for a decision under a policy (from the table by name, or a policy object), in the format of the IETF draft "RateLimit header fields for
 * HTTP" (draft-ietf-httpapi-ratelimit-headers-11): the policy as a quoted name with its quota `q`
 * and window `w` in seconds, and the current state with the remaining quota `r` and `t`, the
 * seconds until more quota is available.
 *
 *   RateLimit-Policy: "sign-in-ip";q=20;w=900
 *   RateLimit: "sign-in-ip";r=0;t=412
 *   Retry-After: 412                       (refusals only; never earlier than `t`)
 *
 * While the store is down the current state is unknown, so only RateLimit-Policy is sent (plus
 * Retry-After on a refusal).
 */
export function rateLimitHeaders(
  decision: RateLimitDecision,
  policyOrName: RateLimitPolicy | RateLimitPolicyName,
): Record<string, string> {
  const policy = typeof policyOrName === "string" ? RATE_LIMIT_POLICIES[policyOrName] : policyOrName;
  const name = `"${policy.name}"`;
  const headers: Record<string, string> = {
    "RateLimit-Policy": `${name};q=${policy.limit};w=${policy.windowSeconds}`,
  };
  const storeUnavailable = decision.allowed
    ? decision.storeUnavailable
    : decision.reason === "store_unavailable";
  if (!storeUnavailable) {
    const secondsToReset = Math.max(0, Math.ceil((decision.resetAt - Date.now()) / 1000));
    headers.RateLimit = `${name};r=${decision.remaining};t=${secondsToReset}`;
  }
  if (!decision.allowed) headers["Retry-After"] = String(decision.retryAfterSeconds);
  return headers;
}

/**
 * What to tell the client about a refusal: 429 `rate_limited` when over the limit, 503
 * `rate_limit_unavailable` when the store is down and the policy fails closed. Forms show the
 * message; APIs send it in the standard error body (rateLimitedResponse).
 */
export function rateLimitRefusal(decision: RateLimitRefusal): {
  status: 429 | 503;
  code: string;
  message: string;
} {
  const wait = waitInWords(decision.retryAfterSeconds);
  if (decision.reason === "store_unavailable") {
    return {
      status: 503,
      code: "rate_limit_unavailable",
      message: `This action is paused because its abuse protection is unavailable. Try again in ${wait}.`,
    };
  }
  return { status: 429, code: "rate_limited", message: `Too many requests. Try again in ${wait}.` };
}

/** The API response for a refused request: the refusal in the `{ error: { code, message } }` body. */
export function rateLimitedResponse(
  decision: RateLimitRefusal,
  policy: RateLimitPolicy | RateLimitPolicyName,
): Response {
  const { status, code, message } = rateLimitRefusal(decision);
  // Built here rather than with lib/http's apiError: lib/http's route wrapper imports this module.
  return Response.json(
    { error: { code, message } },
    { status, headers: { "cache-control": "no-store", ...rateLimitHeaders(decision, policy) } },
  );
}

function waitInWords(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutes`;
}
