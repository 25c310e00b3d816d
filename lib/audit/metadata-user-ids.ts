import { UUID_PATTERN } from "./chain";
import type { AuditDb } from "./record";

// The guard that keeps user ids out of audit metadata, outside production. A user's hard delete
// pseudonymizes the actor and a "user" target, never metadata, so a User.id there would outlive the
// user (decision 0009, "No user ids in metadata"). Which UUIDs are user ids depends on the app's user
// model, which lib/audit does not know: the module that owns it registers the lookup
// (Shipshape: lib/auth, `lib/auth/audit-user-ids.ts`). Without one, nothing is checked, so lib/audit
// runs in an app that has no "User" table, or one whose ids are not UUIDs.

/** Of `ids` (lowercase UUIDs), those that are an existing user's id. */
export type AuditUserIdLookup = (ids: string[], db: AuditDb) => Promise<string[]>;

const globalForAudit = globalThis as unknown as { shipshapeAuditUserIdLookup?: AuditUserIdLookup | null };

/**
 * Turns the guard on with the app's way of telling user ids apart (null turns it off). Outside
 * production, recordAuditEvent then refuses an event whose metadata holds, under any key at any
 * depth, a UUID that `lookup` says is a user's id.
 */
export function setAuditUserIdLookup(lookup: AuditUserIdLookup | null): void {
  globalForAudit.shipshapeAuditUserIdLookup = lookup;
}

/**
 * Throws `invalid(message)` when the metadata holds an existing user's id. Checked by value, not by
 * key name (userId, toUserId, requestedBy, a filter's actorId…): any UUID anywhere in the metadata
 * that is a user's id. Other UUIDs (organizations, memberships, invitations) pass.
 * Production skips it (recordAuditEvent's caller decides): it costs a query, and a programming error
 * caught here must not fail a user's action; every audited path runs under the tests.
 */
export async function refuseUserIdsInMetadata(
  event: { action: string; metadata: Record<string, unknown> },
  db: AuditDb,
  invalid: (message: string) => Error,
): Promise<void> {
  const lookup = globalForAudit.shipshapeAuditUserIdLookup;
  if (!lookup) return;
  const uuids = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === "string" && UUID_PATTERN.test(value)) uuids.add(value.toLowerCase());
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(walk);
  };
  walk(event.metadata);
  if (uuids.size === 0) return;
  const userIds = await lookup([...uuids], db);
  if (userIds.length > 0) {
    throw invalid(
      `Invalid audit event (${event.action}): metadata holds a User.id (${userIds.join(", ")}). ` +
        'Make that user the actor or the target ({ type: "user", id }) instead: only those are pseudonymized ' +
        "when the user is deleted.",
    );
  }
}
