import "server-only";
import { recordSecurityEvent } from "../audit";
import { logger } from "../log";
import { type MailMessage, readMailConfig, sendMail } from "../mail";
import {
  checkRateLimit,
  type RateLimitPolicyName,
  type RateLimitRefusal,
  rateLimitRefusal,
  UNKNOWN_CLIENT_IP,
} from "../ratelimit";
import { AuthFlowError, authFlowErrors } from "./errors";
import { checkNewPassword } from "./password-policy";

/** Who sent the request: the client IP as lib/ratelimit resolved it, and the User-Agent. */
export type RequestClient = { ip: string; userAgent?: string | null };

/** The client as the audit log stores it: real addresses only ("unknown" is left out). */
export function auditClient(client: RequestClient): { ip: string | null; userAgent: string | null } {
  return { ip: client.ip === UNKNOWN_CLIENT_IP ? null : client.ip, userAgent: client.userAgent ?? null };
}

/**
 * Counts the request under each policy, in order. The first refusal is recorded as an
 * `auth.rate_limited` security event and returned; null when every policy allowed it. The auth
 * policies fail closed, so a store outage is a refusal too (reason "store_unavailable").
 */
export async function countAgainstLimits(
  limits: [RateLimitPolicyName, string][],
  client: RequestClient,
  actor: { type: "USER"; id: string } | { type: "ANONYMOUS" } = { type: "ANONYMOUS" },
): Promise<RateLimitRefusal | null> {
  for (const [policy, key] of limits) {
    const decision = await checkRateLimit(policy, key);
    if (!decision.allowed) {
      await recordSecurityEvent({
        action: "auth.rate_limited",
        actor,
        ...auditClient(client),
        metadata: { policy, reason: decision.reason },
      });
      return decision;
    }
  }
  return null;
}

/**
 * countAgainstLimits, throwing a refusal as lib/ratelimit words it for every endpoint: 429
 * `rate_limited`, or 503 `rate_limit_unavailable` when the store is down (the auth policies fail
 * closed).
 */
export async function enforceLimits(
  limits: [RateLimitPolicyName, string][],
  client: RequestClient,
  actor?: { type: "USER"; id: string } | { type: "ANONYMOUS" },
): Promise<void> {
  const refusal = await countAgainstLimits(limits, client, actor);
  if (!refusal) return;
  const { status, code, message } = rateLimitRefusal(refusal);
  throw new AuthFlowError(status, code, message, undefined, refusal.retryAfterSeconds);
}

/**
 * Runs `work` without making the caller wait for it, and returns it as a promise that never
 * rejects: a failure is logged with what the work was for. The flows that must answer alike whether
 * or not an account exists (sign-up, reset request, email change request) do everything that
 * depends on the account here, after the answer: looking the address up, writing, sending mail.
 * Waiting for any of it would let the answer's timing tell the cases apart
 * (docs/decisions/0010-identity-flows-without-enumeration.md). Every flow also sends its mail this
 * way, so a slow mail server never holds a request (sendMail retries transient failures and logs
 * each one). A server action hands the promise to Next's `after()`, so serverless platforms keep
 * the function alive until it settles.
 */
export function afterAnswer(
  context: { purpose: string; userId?: string },
  work: () => Promise<unknown>,
): Promise<void> {
  return work().then(
    () => undefined,
    (error: unknown) => {
      logger.error({ err: error, ...context }, `${context.purpose}: the work after the answer failed`);
    },
  );
}

/** Sends a mail after the answer (afterAnswer); a final delivery failure is logged. */
export function sendAfterAnswer(
  message: MailMessage,
  context: { purpose: string; userId?: string },
): Promise<void> {
  return afterAnswer(context, () => sendMail(message));
}

/** Nothing left to do after the answer. */
export const NOTHING_LEFT: Promise<void> = Promise.resolve();

/**
 * Throws a 400 `weak_password` listing every problem of a new password, in words for the person
 * (the NIST rules of password-policy.ts, with the account's email and the product's name).
 */
export async function requireAcceptablePassword(
  password: string,
  email: string,
  field = "password",
): Promise<void> {
  const problems = await checkNewPassword(password, { email, productName: readMailConfig().APP_NAME });
  if (problems.length > 0) throw authFlowErrors.weakPassword(problems, field);
}
