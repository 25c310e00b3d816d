import "server-only";
import type { PrismaClient } from "@/lib/db";
import type { AuditDirectory } from "./query";

// The audit viewer's joins on Shipshape's User and Organization models: the emails of actors and
// targets, the slugs of organizations, and the filter's email and slug. Kept out of lib/audit's index
// (and out of query.ts) so that lib/audit compiles and runs in an app without those models: such an
// app leaves this file out, or writes its own AuditDirectory over its own tables.

/** Pass as `directory` to listAuditEvents and exportAuditEventsCsv. */
export const auditDirectory: AuditDirectory = {
  async userIdByEmail(email: string, db: PrismaClient) {
    const user = await db.user.findUnique({ where: { email }, select: { id: true } });
    return user?.id ?? null;
  },
  async orgIdBySlug(slug: string, db: PrismaClient) {
    const org = await db.organization.findUnique({ where: { slug }, select: { id: true } });
    return org?.id ?? null;
  },
  async userEmails(ids: string[], db: PrismaClient) {
    const users = await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } });
    return new Map(users.map((user) => [user.id, user.email]));
  },
  async orgSlugs(ids: string[], db: PrismaClient) {
    const orgs = await db.organization.findMany({
      where: { id: { in: ids } },
      select: { id: true, slug: true },
    });
    return new Map(orgs.map((org) => [org.id, org.slug]));
  },
};
