// Errors the platform admin functions throw. Each carries the HTTP status and stable code the route
// wrapper (lib/http) answers with, so routes and actions need no mapping of their own.

/** The user (or the acting admin) does not exist or is not reachable: the same 404 as a missing page. */
export class AdminNotFoundError extends Error {
  override name = "AdminNotFoundError";
  readonly status = 404;
  readonly code = "not_found";
  constructor(message = "Not found.") {
    super(message);
  }
}

/** An admin tried to disable their own account, which would lock the platform's operators out. */
export class SelfDisableError extends Error {
  override name = "SelfDisableError";
  readonly status = 403;
  readonly code = "cannot_disable_self";
  constructor() {
    super("You can't disable your own account. Ask another platform admin.");
  }
}

/** A search or page link is malformed: a 400 naming the field. */
export class InvalidAdminQueryError extends Error {
  override name = "InvalidAdminQueryError";
  readonly status = 400;
  readonly code = "invalid_input";
  constructor(readonly fields: Record<string, string[]>) {
    super(`The admin query is not valid: ${Object.values(fields).flat().join(" ")}`);
  }
}
