import "server-only";
import { type AuditUserIdLookup, setAuditUserIdLookup } from "@/lib/audit/metadata-user-ids";

// lib/auth owns the User model, so it tells lib/audit which UUIDs are user ids: outside production,
// recordAuditEvent then refuses an event whose metadata holds one (a user is the actor or the
// target, the two places a user's hard delete pseudonymizes). Imported by lib/auth's index, which
// every endpoint loads through lib/http, and by the integration tests' setup.

/** Of `ids`, those that are an existing User.id. */
export const auditUserIdLookup: AuditUserIdLookup = async (ids, db) => {
  const users = await db.$queryRaw<{ id: string }[]>`
    SELECT id::text FROM "User" WHERE id = ANY(${ids}::uuid[])`;
  return users.map((user) => user.id);
};

setAuditUserIdLookup(auditUserIdLookup);
