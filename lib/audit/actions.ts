// The catalogue of audited actions. An action is a fixed name, never free text, so the audit log can
// be filtered and reported on reliably. Names read `<area>.<object>.<what happened>` in lowercase with
// dots and underscores. To audit something new, add its name here (and to SECURITY_EVENT_LOG_LEVELS
// if it is a security event); stored events keep their names, so never rename or remove one.

/** Security events: every one goes through recordSecurityEvent (an audit row and a log line). */
export const SECURITY_EVENT_LOG_LEVELS = {
  "auth.sign_in.succeeded": "info",
  "auth.sign_in.failed": "warn",
  "auth.lockout": "warn",
  "auth.unlock": "info",
  "auth.account.created": "info",
  "auth.password_reset.requested": "info",
  "auth.password_reset.completed": "info",
  "auth.password.changed": "info",
  "auth.email.verified": "info",
  "auth.mfa.enrolled": "info",
  "auth.mfa.disabled": "warn",
  "auth.mfa.challenged": "info",
  "auth.recovery_code.used": "warn",
  "auth.recovery_codes.regenerated": "info",
  "auth.reauth.succeeded": "info",
  "auth.reauth.failed": "warn",
  "auth.email_change.requested": "info",
  "auth.email.changed": "info",
  "auth.sessions.revoked": "info",
  "auth.signed_out": "info",
  "auth.rate_limited": "warn",
  "authz.denied": "warn",
} as const satisfies Record<string, "info" | "warn">;

export type SecurityAction = keyof typeof SECURITY_EVENT_LOG_LEVELS;

export const AUDIT_ACTIONS = [
  ...(Object.keys(SECURITY_EVENT_LOG_LEVELS) as SecurityAction[]),
  // Organizations, their members and invitations.
  "membership.role_changed",
  "membership.removed",
  "membership.left",
  "invitation.created",
  "invitation.revoked",
  "invitation.resent",
  "invitation.accepted",
  "org.created",
  "org.renamed",
  "org.deleted",
  "org.settings_changed",
  "org.ownership_transferred",
  // Domain objects: every change.
  "project.created",
  "project.updated",
  "project.deleted",
  // Platform operators (the /admin area).
  "admin.user.disabled",
  "admin.user.enabled",
  "admin.user.signed_out",
  "admin.user.verification_resent",
  // Billing: what users start (checkout, refunds) and every state change Stripe's webhook applies.
  "billing.customer.created",
  "billing.customer.deleted",
  "billing.checkout.started",
  "billing.checkout.completed",
  "billing.subscription.created",
  "billing.subscription.updated",
  "billing.subscription.canceled",
  "billing.subscription.trial_ending",
  "billing.subscription.resynced",
  "billing.invoice.paid",
  "billing.invoice.payment_failed",
  "billing.charge.refunded",
  "billing.refund.created",
  // Data leaving the platform.
  "audit.exported",
  "data.exported",
  "data.export_requested",
  // Account deletion: requested (after step-up), cancelled during the grace period, done by the job.
  "account.deletion_requested",
  "account.deletion_cancelled",
  "account.deleted",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * What audit metadata may hold (decision 0040): ids of things other than users, enums, counts, dates
 * and amounts, and free text only under the keys listed here, per action: the names an organization
 * or a project was given, a device's label, the domain of an address. A user's hard delete redacts
 * these keys (`redactAuditFreeText`) in the events about that user and in the events of every
 * organization deleted with the account: they can name the person as well as their id can.
 */
export const AUDIT_FREE_TEXT_METADATA = {
  "org.created": ["name", "slug"],
  "org.renamed": ["from", "to"],
  "org.deleted": ["name", "slug"],
  "project.created": ["name"],
  "project.updated": ["name"],
  "project.deleted": ["name"],
  "auth.sessions.revoked": ["device"],
  "auth.email_change.requested": ["newDomain"],
  "auth.email.changed": ["fromDomain", "toDomain"],
} as const satisfies Partial<Record<AuditAction, readonly string[]>>;
