import { apiError } from "../http";
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
 * The response to send when a check refused the request: 429 `rate_limited` when over the limit,
 * 503 `rate_limit_unavailable` when the store is down and the policy fails closed.
 */
export function rateLimitedResponse(
  decision: RateLimitRefusal,
  policy: RateLimitPolicy | RateLimitPolicyName,
): Response {
  const headers = rateLimitHeaders(decision, policy);
  if (decision.reason === "store_unavailable") {
    return apiError(
      503,
      "rate_limit_unavailable",
      `This action is paused because its abuse protection is unavailable. Try again in ${decision.retryAfterSeconds} seconds.`,
      { headers },
    );
  }
  return apiError(
    429,
    "rate_limited",
    `Too many requests. Try again in ${decision.retryAfterSeconds} seconds.`,
    { headers },
  );
}
