// The checks every route handler and server action goes through, in one fixed order:
// refuse hostile text in params, query and form fields → authenticate → load the organization
// membership → authorize → step-up → validate input (hostile text again, the body included) → rate limit.
// route.ts and action.ts adapt this to HTTP responses and to form states; the order and the rules
// live only here, so a reader can check them in one place.
import "server-only";
import type { z } from "zod";
import { recordSecurityEvent } from "../audit";
import {
  can,
  findMembership,
  type OrgMembership,
  type OrgRole,
  type Permission,
  type PolicyContext,
  permissionsFor,
} from "../authz";
import { DatabaseUnavailableError, getDb, isDatabaseUnavailable } from "../db";
import { logger } from "../log";
import { REQUEST_ID_TAG } from "../monitoring";
import { reportError } from "../monitoring/server";
import {
  checkRateLimit,
  RATE_LIMIT_POLICIES,
  type RateLimitPolicyName,
  rateLimitHeaders,
  rateLimitRefusal,
  UNKNOWN_CLIENT_IP,
} from "../ratelimit";
import { findHostileText, HOSTILE_TEXT_MESSAGE } from "../security";
import { type CurrentUser, hasRecentAuthentication } from "./identity";

/**
 * Who may call an endpoint.
 * - `public`: anyone; `user` is set when a session exists.
 * - `session`: signed in, even with the email unverified or the MFA challenge pending (verification
 *   resend, the MFA challenge itself, sign out).
 * - `user`: signed in, email verified, MFA challenge passed when MFA is on.
 * - `member`: `user`, and a member of the organization named by the `org` param or input field.
 * - `platformAdmin`: `user` with the platform-admin flag and MFA passed.
 */
export type AuthLevel = "public" | "session" | "user" | "member" | "platformAdmin";

/** A rate-limit policy from lib/ratelimit's table, or an explicit exemption with its reason. */
export type RateLimitDeclaration = RateLimitPolicyName | { exempt: string };

/**
 * Whether an endpoint needs a re-authentication within lib/auth's step-up window (decision 0024):
 * - `true`: always. The wrapper refuses a stale session (403 `step_up_required`) before reading input.
 * - `{ when }`: only for some of its changes, which only the lib function can tell apart because
 *   they depend on the target (is the member being removed an owner?), read under its lock. The lib
 *   refuses those itself with a 403 `step_up_required` of its own, from `scope.authAt`; the wrapper
 *   answers that like its own refusal. Like a rate-limit exemption's reason, `when` is for readers
 *   and the coverage report: it says which changes ask, and the coverage test keeps the list of
 *   endpoints that must ask.
 * - absent: never.
 */
export type StepUpDeclaration = true | { when: string };

/** What every endpoint declares. The coverage test reads these from each export. */
export type Declaration =
  | {
      auth: "public" | "session" | "user" | "platformAdmin";
      permission?: undefined;
      rateLimit: RateLimitDeclaration;
      stepUp?: StepUpDeclaration;
      /**
       * `auth: "user"` only: also admits an account whose deletion is pending (the right of access
       * holds during the grace period: the data export and its download). Everything else answers
       * 403 `account_deletion_pending`.
       */
      duringDeletionGrace?: true;
    }
  | {
      auth: "member";
      permission: Permission;
      rateLimit: RateLimitDeclaration;
      stepUp?: StepUpDeclaration;
    };

/**
 * The organization a member endpoint acts in, the caller's role there, and the client it came from
 * (lib modules write ip and userAgent into the audit events of the changes they make).
 */
export type OrgScope = {
  orgId: string;
  orgSlug: string;
  userId: string;
  role: OrgRole;
  ip: string | null;
  userAgent: string | null;
  /** When the session last proved a password or code (ms), for changes that ask for step-up only sometimes. */
  authAt: number;
};

/**
 * An error answered to the client as is: a 4xx (or a 503) with a stable code and a message for
 * people.
 */
export type PublicError = Error & {
  status: number;
  code: string;
  fields?: Record<string, string[]>;
  /** When to try again (a 429 or 503): answered as Retry-After by route(). */
  retryAfterSeconds?: number;
};

/**
 * Errors from lib modules that carry a `status` and a string `code` are meant for the client when
 * the status is a 4xx (the request can't succeed as sent) or 503 (a dependency such as Stripe or
 * the rate-limit store is down: "nothing changed, try again in a minute" helps people more than a
 * bare 500). Modules define their own classes (no import of lib/http needed), so each stays
 * copyable alone. Other statuses, and errors without a code, become a 500 `internal_error`.
 *
 * A bare ZodError is not answered as the caller's bad input either, though it often is one: lib
 * code also parses the environment (lib/db's DATABASE_URL), stored rows and job payloads with zod,
 * and a 400 "check the fields marked" for a broken config would mislead everyone and hide the bug
 * from Sentry. Only the code that parses caller input knows that it does: lib modules turn those
 * ZodErrors into their own 400 `invalid_input` (lib/orgs `parseCallerInput`), and endpoints declare
 * the same schemas as input, so the wrapper refuses bad input before the handler runs.
 */
export function isPublicError(error: unknown): error is PublicError {
  if (!(error instanceof Error)) return false;
  const { status, code } = error as Partial<PublicError>;
  return (
    typeof status === "number" &&
    ((status >= 400 && status < 500) || status === 503) &&
    typeof code === "string"
  );
}

/**
 * A public 503 is still an outage on our side: it goes to the logs and to Sentry like any failure,
 * then its own message is answered.
 */
export function reportOutage(error: PublicError, requestId: string): void {
  if (error.status < 500) return;
  logger.error({ err: error, code: error.code }, "a dependency is unavailable: answered 503");
  reportError(error, { tags: { [REQUEST_ID_TAG]: requestId } });
}

/**
 * The error as the caller should hear it. A database that can't be reached (lib/db's
 * isDatabaseUnavailable: refused connections, pool timeouts, a server shutting down) is a 503
 * `database_unavailable` with Retry-After, not a 500: nothing is wrong with the request or the code,
 * and "try again in a minute" is the truth. Everything else is returned as it is.
 */
export function asPublicOutage(error: unknown): unknown {
  if (isPublicError(error) || !isDatabaseUnavailable(error)) return error;
  return new DatabaseUnavailableError({ cause: error });
}

/** The Retry-After header a public error asks for, if any. */
export function retryAfterHeader(error: PublicError): Record<string, string> {
  const seconds = error.retryAfterSeconds;
  return typeof seconds === "number" && seconds > 0 ? { "retry-after": String(Math.ceil(seconds)) } : {};
}

/** Refusals raised by the guard itself. */
export class GuardError extends Error implements PublicError {
  override name = "GuardError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

const NOT_FOUND_MESSAGE = "Not found. Check the address, or ask the organization's owner for access.";

export const notSignedIn = () => new GuardError(401, "unauthenticated", "Sign in to continue.");
export const notFound = () => new GuardError(404, "not_found", NOT_FOUND_MESSAGE);

/** The caller, as far as the guard established it. */
export type Caller = {
  user: CurrentUser | null;
  membership: OrgMembership | null;
  ip: string;
  userAgent: string | null;
};

/** The caller's IP for the audit log: null when unknown (lib/ratelimit's "unknown" bucket). */
function auditIp(caller: Pick<Caller, "ip">): string | null {
  return caller.ip === UNKNOWN_CLIENT_IP ? null : caller.ip;
}

/**
 * Authenticates at the declared level; throws GuardError (401, 403 or 404) otherwise. Route handlers
 * read the session from their Request, server actions from the request's cookies.
 */
export async function authenticate(
  declaration: Declaration,
  loadUser: () => Promise<CurrentUser | null>,
): Promise<CurrentUser | null> {
  const user = await loadUser();
  if (declaration.auth === "public") return user;
  if (!user) throw notSignedIn();
  if (declaration.auth === "session") return user;
  if (user.mfa === "pending") {
    throw new GuardError(
      401,
      "mfa_required",
      "Enter the code from your authenticator app to finish signing in.",
    );
  }
  if (!user.emailVerified) {
    throw new GuardError(
      403,
      "email_unverified",
      "Verify your email address first: open the link we sent you.",
    );
  }
  if (user.deletionPending && !(declaration.auth === "user" && declaration.duringDeletionGrace)) {
    throw new GuardError(
      403,
      "account_deletion_pending",
      "Your account is scheduled for deletion. Cancel the deletion to use it.",
    );
  }
  // Platform admin areas don't admit to existing for anyone else (404), and need MFA.
  if (declaration.auth === "platformAdmin" && (!user.isPlatformAdmin || user.mfa !== "verified"))
    throw notFound();
  return user;
}

/**
 * The caller's membership of the organization `orgSlug`. Not a member, or no such organization:
 * the same 404. An organization that requires MFA refuses members without it (403 mfa_required).
 */
export async function loadMembership(user: CurrentUser, orgSlug: unknown): Promise<OrgMembership> {
  if (typeof orgSlug !== "string" || orgSlug.length === 0 || orgSlug.length > 64) throw notFound();
  const membership = await findMembership(getDb(), user.id, orgSlug);
  if (!membership) throw notFound();
  if (membership.org.requireMfa && !user.mfaEnabled) {
    throw new GuardError(
      403,
      "mfa_required",
      `${membership.org.name} requires two-factor authentication. Turn it on in your account settings.`,
    );
  }
  return membership;
}

/**
 * Throws 403 `forbidden` (and records `authz.denied`) unless `role` may do `permission` given
 * `facts`. Without facts it asks whether the role has the permission at all; conditional grants
 * (own project, not on an owner…) are checked again by the handler with the facts it loaded.
 */
export async function authorize(
  caller: Caller & { user: CurrentUser; membership: OrgMembership },
  permission: Permission,
  facts?: PolicyContext,
): Promise<void> {
  const { role, org } = caller.membership;
  const allowed = facts
    ? can(role, permission, { actorUserId: caller.user.id, ...facts })
    : permissionsFor(role).includes(permission);
  if (allowed) return;
  await recordSecurityEvent({
    action: "authz.denied",
    actor: { type: "USER", id: caller.user.id },
    orgId: org.id,
    ip: auditIp(caller),
    userAgent: caller.userAgent,
    metadata: { permission, role },
  });
  throw new GuardError(
    403,
    "forbidden",
    `Your role (${role.toLowerCase()}) can't do this here. Ask an owner or admin.`,
  );
}

/** Throws 403 `step_up_required` unless the session re-authenticated within lib/auth's step-up window. */
export function requireRecentAuth(user: CurrentUser, now = Date.now()): void {
  if (!hasRecentAuthentication(user.authAt, now)) {
    throw new GuardError(
      403,
      "step_up_required",
      "Confirm it's you: enter your password or authenticator code again.",
    );
  }
}

/** zod issues as `{ field: [messages] }`, the `fields` of a 400 `invalid_input` answer. */
export function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? issue.path.join(".") : "_";
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  return fields;
}

/**
 * Refuses input that holds hostile text (lib/security/text.ts: NUL and other control characters,
 * lone surrogates) anywhere, in a value or a key, whatever the schema declares: 400 `invalid_input`
 * naming the field. The wrappers call it on path params, query and form fields before anything reads
 * them (the membership lookup reads the org slug), and parseInput calls it on every input.
 */
export function refuseHostileText(value: unknown, what: string): void {
  const field = findHostileText(value);
  if (field === null) return;
  throw new GuardError(
    400,
    "invalid_input",
    `Some ${what} values are missing or invalid. Check the fields marked.`,
    {
      [field]: [HOSTILE_TEXT_MESSAGE],
    },
  );
}

export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  refuseHostileText(value, what);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new GuardError(
    400,
    "invalid_input",
    `Some ${what} values are missing or invalid. Check the fields marked.`,
    fieldErrors(parsed.error),
  );
}

/**
 * Counts the request under its declared policy. Per-IP policies count the client IP; per-user and
 * per-account policies count the signed-in user (the IP when nobody is signed in). A refusal of a
 * fail-closed (security) policy is recorded as `auth.rate_limited`.
 */
export async function applyRateLimit(
  declaration: Declaration,
  caller: Caller,
): Promise<Record<string, string>> {
  if (typeof declaration.rateLimit !== "string") return {};
  const policyName = declaration.rateLimit;
  const policy = RATE_LIMIT_POLICIES[policyName];
  const key = policy.keyKind === "ip" ? caller.ip : (caller.user?.id ?? caller.ip);
  const decision = await checkRateLimit(policyName, key);
  const headers = rateLimitHeaders(decision, policyName);
  if (decision.allowed) return headers;
  if (policy.onStoreDown === "closed") {
    await recordSecurityEvent({
      action: "auth.rate_limited",
      actor: caller.user ? { type: "USER", id: caller.user.id } : { type: "ANONYMOUS" },
      orgId: caller.membership?.org.id ?? null,
      ip: auditIp(caller),
      userAgent: caller.userAgent,
      metadata: { policy: policyName, reason: decision.reason },
    });
  }
  const refusal = rateLimitRefusal(decision);
  throw new GuardError(refusal.status, refusal.code, refusal.message, undefined, headers);
}

/**
 * For `member` endpoints: loads the membership of `orgSlug`, checks the declared permission, and
 * returns what the handler gets (org, role, scope, and authorize() for conditional grants).
 */
export async function memberContext(
  caller: Caller,
  permission: Permission,
  orgSlug: unknown,
): Promise<{
  org: OrgMembership["org"];
  role: OrgRole;
  scope: OrgScope;
  authorize(facts: PolicyContext): Promise<void>;
}> {
  const user = caller.user as CurrentUser;
  const membership = await loadMembership(user, orgSlug);
  caller.membership = membership;
  const member = { ...caller, user, membership };
  await authorize(member, permission);
  return {
    org: membership.org,
    role: membership.role,
    scope: scopeOf(user, membership, caller),
    authorize: (facts: PolicyContext) => authorize(member, permission, facts),
  };
}

/** The scope lib modules take for tenant-owned queries (pages, which change nothing, pass no caller). */
export function scopeOf(
  user: CurrentUser,
  membership: OrgMembership,
  caller?: Pick<Caller, "ip" | "userAgent">,
): OrgScope {
  return {
    orgId: membership.org.id,
    orgSlug: membership.org.slug,
    userId: user.id,
    role: membership.role,
    ip: caller ? auditIp(caller) : null,
    userAgent: caller?.userAgent ?? null,
    authAt: user.authAt,
  };
}

// Marks what route() and action() return, so the coverage test can find each endpoint's declaration.
const DECLARATION = Symbol.for("shipshape.endpoint-declaration");

export type EndpointKind = "route" | "action";
export type MarkedDeclaration = Declaration & { kind: EndpointKind; inputDeclared: boolean };

export function markEndpoint<F extends object>(endpoint: F, declaration: MarkedDeclaration): F {
  Object.defineProperty(endpoint, DECLARATION, {
    value: Object.freeze({ ...declaration }),
    enumerable: false,
  });
  return endpoint;
}

/** The declaration route() or action() attached to an export, or undefined for anything unwrapped. */
export function endpointDeclaration(value: unknown): MarkedDeclaration | undefined {
  if (typeof value !== "function") return undefined;
  return (value as unknown as Record<symbol, MarkedDeclaration | undefined>)[DECLARATION];
}
