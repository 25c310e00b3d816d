// Errors lib/orgs throws. Each carries an HTTP `status` and a stable `code`, so the route wrapper
// (lib/http) answers them as `{ error: { code, message, fields? } }` without knowing this module.
import type { z } from "zod";

/** Base class: a refusal the caller can show as it is. */
export class OrgError extends Error {
  override name = "OrgError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: Record<string, string[]>,
  ) {
    super(message);
  }
}

/**
 * The record does not exist, or it belongs to another organization, or the caller may not know it
 * exists. All three get this one error with one message, so "not yours" can't be told from "missing".
 */
export class NotFoundError extends OrgError {
  override name = "NotFoundError";
  constructor() {
    // Word for word the route wrapper's 404 for an organization the caller doesn't belong to, so no
    // answer tells "no such organization" from "no such record in it" (the BOLA tests compare them).
    super(404, "not_found", "Not found. Check the address, or ask the organization's owner for access.");
  }
}

/**
 * The caller's role doesn't allow this change: the policy table said no, conditions included. The
 * refusal is recorded as an `authz.denied` security event (see transaction.ts).
 */
export class ForbiddenError extends OrgError {
  override name = "ForbiddenError";
  constructor(
    /** What was refused: a permission of the policy table, or another named check. */
    readonly permission: string,
    message: string,
    code = "forbidden",
  ) {
    super(403, code, message);
  }
}

/**
 * The change needs a re-authentication within the last 10 minutes (step-up) and the session's is
 * older. The same status and code as the route wrapper's own step-up refusal, so forms and clients
 * treat both alike (a link to /reauth and back); the message says which change asked for it, since
 * the same form asks only sometimes (making someone an admin doesn't, making them an owner does).
 */
export class StepUpRequiredError extends OrgError {
  override name = "StepUpRequiredError";
  constructor(change: string) {
    super(
      403,
      "step_up_required",
      `${change} needs a recent sign-in. Confirm it's you: enter your password or authenticator code again.`,
    );
  }
}

/** The input is well-formed but names something invalid (a reserved slug, a wrong confirmation). */
export class InvalidInputError extends OrgError {
  override name = "InvalidInputError";
  constructor(message: string, fields: Record<string, string[]>) {
    super(400, "invalid_input", message, fields);
  }
}

/**
 * `schema.parse(input)` for what a caller sent, refusing bad input as InvalidInputError (400
 * `invalid_input`, messages per field, like the route wrapper's own validation) instead of a
 * ZodError, which the wrapper rightly treats as a bug (500). Endpoints validate with these same
 * schemas first; this covers any caller that didn't. Only for caller input: a ZodError from parsing
 * anything else (stored data, config) is a bug and should stay one.
 */
export function parseCallerInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: Record<string, string[]> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length > 0 ? issue.path.join(".") : "_";
    fields[key] = [...(fields[key] ?? []), issue.message];
  }
  throw new InvalidInputError("Some values are missing or invalid. Check the fields marked.", fields);
}

/** The change conflicts with the current state (slug taken, already a member, last owner…). */
export class ConflictError extends OrgError {
  override name = "ConflictError";
  constructor(code: string, message: string, fields?: Record<string, string[]>) {
    super(409, code, message, fields);
  }
}

/** The invitation link can no longer be used: expired, revoked, already accepted, or unknown. */
export class InvitationUnusableError extends OrgError {
  override name = "InvitationUnusableError";
  constructor(
    readonly reason: "invalid" | "expired" | "revoked" | "accepted",
    message: string,
  ) {
    super(reason === "invalid" ? 404 : 410, `invitation_${reason}`, message);
  }
}

/** Too soon to do it again (resending an invitation). */
export class TooSoonError extends OrgError {
  override name = "TooSoonError";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, "too_soon", message);
  }
}
