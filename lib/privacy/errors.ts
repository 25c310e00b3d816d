// Errors the app answers as they are: each carries an HTTP status and a stable code (lib/http's
// wrapper turns them into `{ error: { code, message } }`), and a message a person can act on.

/** No export with that id belongs to this user. Someone else's export looks exactly the same. */
export class DataExportNotFoundError extends Error {
  override name = "DataExportNotFoundError";
  readonly status = 404;
  readonly code = "not_found";
  constructor() {
    super("Not found.");
  }
}

export class DataExportNotReadyError extends Error {
  override name = "DataExportNotReadyError";
  readonly status = 409;
  readonly code = "export_not_ready";
  constructor() {
    super("This export is still being prepared. Reload the page in a minute.");
  }
}

export class DataExportExpiredError extends Error {
  override name = "DataExportExpiredError";
  readonly status = 410;
  readonly code = "export_expired";
  constructor() {
    super("This export has expired and its file was deleted. Request a new export.");
  }
}

export class DataExportInProgressError extends Error {
  override name = "DataExportInProgressError";
  readonly status = 409;
  readonly code = "export_in_progress";
  constructor() {
    super("An export is already being prepared. You will get an email when it is ready.");
  }
}

/** An organization would be left without an owner while it still has other members. */
export class SoleOwnerError extends Error {
  override name = "SoleOwnerError";
  readonly status = 409;
  readonly code = "sole_owner";
  constructor(readonly organizations: { slug: string; name: string }[]) {
    const names = organizations.map((org) => `${org.name} (${org.slug})`).join(", ");
    super(
      `You are the only owner of ${names}, which ${organizations.length === 1 ? "has" : "have"} other members. ` +
        "Make another member an owner, or delete the organization, before deleting your account.",
    );
  }
}

/**
 * An organization to be deleted with its last member's account still has a live Stripe
 * subscription, and the cancellation is not wired (see organization-billing.ts). The hard delete
 * waits rather than leave a subscription billing nobody.
 */
export class SubscriptionStillActiveError extends Error {
  override name = "SubscriptionStillActiveError";
}
