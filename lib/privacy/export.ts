import "server-only";
import { strToU8, zipSync } from "fflate";
import { z } from "zod";
import { recordAuditEvent } from "../audit";
import { accountUserSelect } from "../auth";
import { getDb, type PrismaClient } from "../db";
import { logger } from "../log";
import { appLink, dataExportReadyMail, sendMail } from "../mail";
import { readPrivacyConfig } from "./config";
import {
  DataExportExpiredError,
  DataExportInProgressError,
  DataExportNotFoundError,
  DataExportNotReadyError,
} from "./errors";

/** Where a request came from, for the audit log. */
export interface ClientInfo {
  ip?: string | null;
  userAgent?: string | null;
}

export type DataExportStatus = "PENDING" | "READY" | "FAILED" | "EXPIRED";

/** What the export page shows about one export (never the archive itself). */
export interface DataExportSummary {
  id: string;
  status: DataExportStatus;
  createdAt: Date;
  completedAt: Date | null;
  expiresAt: Date | null;
  sizeBytes: number | null;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** An export still PENDING after this long lost its job (the worker was down for hours): it fails. */
export const STUCK_EXPORT_AFTER_MS = 6 * 60 * 60 * 1000;
/** Audit events are read in pages of this many, so a long history is never one huge query. */
const AUDIT_PAGE = 1000;
const uuid = z.uuid();

/**
 * Starts an export for `userId`: a PENDING row that the `data-export-build` job fills in. Refuses a
 * second one while one is still being built (DataExportInProgressError, 409). The request is
 * audited (`data.export_requested`). Enqueue the job with the returned id.
 */
export async function requestDataExport(userId: string, client: ClientInfo = {}): Promise<{ id: string }> {
  return getDb().$transaction(async (tx) => {
    // Two clicks at once must not both pass the "none pending" check: serialize on the user's row.
    await tx.$queryRaw`SELECT id FROM "User" WHERE id = ${userId}::uuid FOR UPDATE`;
    const pending = await tx.dataExport.findFirst({
      where: { userId, status: "PENDING" },
      select: { id: true },
    });
    if (pending) throw new DataExportInProgressError();
    const created = await tx.dataExport.create({ data: { userId }, select: { id: true } });
    await recordAuditEvent(
      {
        action: "data.export_requested",
        actor: { type: "USER", id: userId },
        ip: client.ip,
        userAgent: client.userAgent,
        target: { type: "data_export", id: created.id },
      },
      tx,
    );
    return created;
  });
}

/** The user's exports, newest first (the last 10), for the export page. */
export async function listDataExports(userId: string): Promise<DataExportSummary[]> {
  return getDb().dataExport.findMany({
    where: { userId },
    orderBy: { createdAt: "desc" },
    take: 10,
    select: { id: true, status: true, createdAt: true, completedAt: true, expiresAt: true, sizeBytes: true },
  });
}

/**
 * Marks an export FAILED with a reason for the person (no personal data, no stack trace), when its
 * job could not be enqueued or ran out of retries. Only a PENDING export changes.
 */
export async function failDataExport(exportId: string, reason: string): Promise<void> {
  await getDb().dataExport.updateMany({
    where: { id: exportId, status: "PENDING" },
    data: { status: "FAILED", error: reason, completedAt: new Date() },
  });
}

/**
 * Builds the zip for one PENDING export and stores it (status READY, downloadable until
 * DATA_EXPORT_TTL_DAYS from now), then emails its owner a link to the export page. Idempotent: an
 * export that is not PENDING any more (built by an earlier run, failed, or gone with its user) is
 * left alone. Returns what happened, for the job's output.
 */
export async function buildDataExport(
  exportId: string,
  options: { now?: Date; db?: PrismaClient } = {},
): Promise<{ status: "built"; sizeBytes: number } | { status: "skipped" }> {
  const db = options.db ?? getDb();
  if (!uuid.safeParse(exportId).success) return { status: "skipped" };
  const row = await db.dataExport.findUnique({
    where: { id: exportId },
    select: { userId: true, status: true },
  });
  if (row?.status !== "PENDING") return { status: "skipped" };

  const now = options.now ?? new Date();
  const files = await collectExportFiles(db, row.userId, now);
  const archive = zipSync(files, { level: 6, mtime: now });
  const expiresAt = new Date(now.getTime() + readPrivacyConfig().DATA_EXPORT_TTL_DAYS * DAY_MS);
  const { count } = await db.dataExport.updateMany({
    where: { id: exportId, status: "PENDING" },
    data: {
      status: "READY",
      archive,
      sizeBytes: archive.byteLength,
      completedAt: now,
      expiresAt,
      error: null,
    },
  });
  if (count === 0) return { status: "skipped" };
  await notifyExportReady(db, row.userId, expiresAt);
  return { status: "built", sizeBytes: archive.byteLength };
}

/** The email is a courtesy (the page shows the export too): a delivery failure is logged, not thrown. */
async function notifyExportReady(db: PrismaClient, userId: string, expiresAt: Date): Promise<void> {
  const user = await db.user.findUnique({ where: { id: userId }, select: { email: true, name: true } });
  if (!user) return;
  try {
    await sendMail({
      to: user.email,
      ...dataExportReadyMail({ name: user.name ?? undefined, link: appLink("/account/export"), expiresAt }),
    });
  } catch (error) {
    logger.warn({ err: error }, "data export ready, but its email could not be sent");
  }
}

/**
 * The archive of one of `userId`'s exports, for download. Someone else's export, a malformed id and a
 * failed export are all "not found" (404); a pending one is 409, an expired one 410. Each download
 * is audited (`data.exported`): that is when the data leaves the platform.
 */
export async function readDataExportArchive(
  userId: string,
  exportId: string,
  client: ClientInfo = {},
  now: Date = new Date(),
): Promise<{ fileName: string; archive: Uint8Array }> {
  if (!uuid.safeParse(exportId).success) throw new DataExportNotFoundError();
  const db = getDb();
  const row = await db.dataExport.findFirst({
    where: { id: exportId, userId },
    select: { status: true, archive: true, expiresAt: true, createdAt: true, sizeBytes: true },
  });
  if (!row || row.status === "FAILED") throw new DataExportNotFoundError();
  if (row.status === "PENDING") throw new DataExportNotReadyError();
  if (row.status === "EXPIRED" || !row.archive || (row.expiresAt && row.expiresAt <= now)) {
    throw new DataExportExpiredError();
  }
  await recordAuditEvent({
    action: "data.exported",
    actor: { type: "USER", id: userId },
    ip: client.ip,
    userAgent: client.userAgent,
    target: { type: "data_export", id: exportId },
    metadata: { sizeBytes: row.sizeBytes },
  });
  const day = row.createdAt.toISOString().slice(0, 10);
  return { fileName: `shipshape-export-${day}.zip`, archive: row.archive };
}

/**
 * Retention for exports (the prune job): drops the archive of every export past expiresAt (status
 * EXPIRED), fails exports stuck PENDING for hours, and deletes the rows of expired and failed exports
 * older than `retentionDays`. Returns the counts.
 */
export async function pruneDataExports(options: {
  retentionDays: number;
  now?: Date;
  db?: PrismaClient;
}): Promise<{ expired: number; failedStuck: number; deleted: number }> {
  const db = options.db ?? getDb();
  const now = options.now ?? new Date();
  const expired = await db.dataExport.updateMany({
    where: { status: "READY", expiresAt: { lte: now } },
    data: { status: "EXPIRED", archive: null },
  });
  const failedStuck = await db.dataExport.updateMany({
    where: { status: "PENDING", createdAt: { lt: new Date(now.getTime() - STUCK_EXPORT_AFTER_MS) } },
    data: {
      status: "FAILED",
      error: "The export was not built in time. Request a new one.",
      completedAt: now,
    },
  });
  const deleted = await db.dataExport.deleteMany({
    where: {
      status: { in: ["EXPIRED", "FAILED"] },
      createdAt: { lt: new Date(now.getTime() - options.retentionDays * DAY_MS) },
    },
  });
  return { expired: expired.count, failedStuck: failedStuck.count, deleted: deleted.count };
}

// --- What goes into the zip ----------------------------------------------------------------------

const README = `This archive holds the data Shipshape keeps about you, as JSON files:

profile.json        your account (no password hash, MFA secret or other credentials)
memberships.json    the organizations you belong to, and your role in each
projects.json       the projects you created
audit-events.json   what you did, as recorded in the audit log (the IP address and browser recorded
                    with each action included)
invoices.json       invoice details of the organizations you own, from the billing provider's events
invitations.json    the invitations you sent, and those sent to your address
sessions.json       the devices signed in to your account (and when), ended ones included
exports.json        the data exports you asked for (this one included)

Not included, and why:
- the password hash, MFA secret, recovery codes and emailed links: credentials, stored only as
  hashes or encrypted, that show nothing about you;
- billing provider events: they are stored reduced to ids, statuses, prices and amounts (never your
  name, address or email), and what they say about invoices is in invoices.json;
- audit events where you were not identified (a failed sign-in for your address, say): nothing in
  them says they were you.

Times are in UTC (ISO 8601).
`;

function json(value: unknown): Uint8Array {
  return strToU8(`${JSON.stringify(value, null, 2)}\n`);
}

async function collectExportFiles(
  db: PrismaClient,
  userId: string,
  now: Date,
): Promise<Record<string, Uint8Array>> {
  const user = await db.user.findUniqueOrThrow({
    where: { id: userId },
    // The account shape (lib/auth): what its owner may see, never a hash, a secret or a token.
    select: {
      ...accountUserSelect,
      oauthAccounts: { select: { provider: true, createdAt: true }, orderBy: { createdAt: "asc" } },
    },
  });
  const memberships = await db.membership.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { role: true, createdAt: true, organization: { select: { id: true, slug: true, name: true } } },
  });
  const projects = await db.project.findMany({
    where: { createdById: userId },
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      name: true,
      description: true,
      createdAt: true,
      updatedAt: true,
      organization: { select: { slug: true, name: true } },
    },
  });
  const ownedOrgs = memberships.filter((membership) => membership.role === "OWNER");
  const pendingEmailChange = await db.authToken.findFirst({
    where: { userId, purpose: "EMAIL_CHANGE", usedAt: null, expiresAt: { gt: now } },
    orderBy: { createdAt: "desc" },
    select: { email: true, createdAt: true, expiresAt: true },
  });
  const invitationSelect = {
    id: true,
    email: true,
    role: true,
    createdAt: true,
    expiresAt: true,
    acceptedAt: true,
    revokedAt: true,
    organization: { select: { slug: true, name: true } },
  } as const;
  const invitationsSent = await db.invitation.findMany({
    where: { invitedById: userId },
    orderBy: { createdAt: "asc" },
    select: invitationSelect,
  });
  const invitationsReceived = await db.invitation.findMany({
    where: { email: { equals: user.email, mode: "insensitive" } },
    orderBy: { createdAt: "asc" },
    select: invitationSelect,
  });
  const sessions = await db.userSession.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { device: true, createdAt: true, lastSeenAt: true, endedAt: true },
  });
  const exportHistory = await db.dataExport.findMany({
    where: { userId },
    orderBy: { createdAt: "asc" },
    select: { id: true, status: true, sizeBytes: true, createdAt: true, completedAt: true, expiresAt: true },
  });
  const invoiceEvents = await db.stripeEvent.findMany({
    where: {
      orgId: { in: ownedOrgs.map((membership) => membership.organization.id) },
      type: { startsWith: "invoice." },
    },
    orderBy: { createdAt: "asc" },
    select: { id: true, type: true, createdAt: true, orgId: true, payload: true },
  });
  const orgById = new Map(
    ownedOrgs.map((membership) => [membership.organization.id, membership.organization]),
  );

  return {
    "README.txt": strToU8(README),
    "profile.json": json({
      id: user.id,
      email: user.email,
      name: user.name,
      emailVerifiedAt: user.emailVerifiedAt,
      mfaEnabled: user.mfaEnabledAt !== null,
      mfaEnabledAt: user.mfaEnabledAt,
      isPlatformAdmin: user.isPlatformAdmin,
      lastSignInAt: user.lastSignInAt,
      signInMethods: user.oauthAccounts,
      disabledAt: user.disabledAt,
      lockedUntil: user.lockedUntil,
      pendingEmailChange: pendingEmailChange
        ? {
            newEmail: pendingEmailChange.email,
            requestedAt: pendingEmailChange.createdAt,
            expiresAt: pendingEmailChange.expiresAt,
          }
        : null,
      deletionRequestedAt: user.deletionRequestedAt,
      deletionScheduledAt: user.deletionScheduledAt,
      createdAt: user.createdAt,
      updatedAt: user.updatedAt,
      exportedAt: now,
    }),
    "memberships.json": json(
      memberships.map((membership) => ({
        organization: membership.organization,
        role: membership.role,
        memberSince: membership.createdAt,
      })),
    ),
    "projects.json": json(projects.map(({ organization, ...project }) => ({ ...project, organization }))),
    "audit-events.json": json(await collectAuditEvents(db, userId)),
    "invitations.json": json({ sent: invitationsSent, received: invitationsReceived }),
    "sessions.json": json(sessions),
    "exports.json": json(exportHistory),
    "invoices.json": json(
      invoiceEvents.map((event) => ({
        stripeEventId: event.id,
        type: event.type,
        at: event.createdAt,
        organization: event.orgId ? (orgById.get(event.orgId) ?? null) : null,
        invoice: invoiceSummary(event.payload),
      })),
    ),
  };
}

async function collectAuditEvents(db: PrismaClient, userId: string) {
  const events = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await db.auditEvent.findMany({
      where: { actorType: "USER", actorId: userId },
      orderBy: [{ at: "asc" }, { id: "asc" }],
      take: AUDIT_PAGE,
      ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
      select: {
        id: true,
        at: true,
        action: true,
        orgId: true,
        targetType: true,
        targetId: true,
        metadata: true,
        actorIp: true,
        actorUserAgent: true,
      },
    });
    events.push(
      ...page.map((event) => ({
        id: event.id,
        at: event.at,
        action: event.action,
        organizationId: event.orgId,
        target: event.targetType ? { type: event.targetType, id: event.targetId } : null,
        details: event.metadata,
        ip: event.actorIp,
        userAgent: event.actorUserAgent,
      })),
    );
    if (page.length < AUDIT_PAGE) return events;
    cursor = page.at(-1)?.id;
  }
}

/** The invoice fields worth keeping from a Stripe invoice.* event: numbers and dates, no links or card data. */
function invoiceSummary(payload: unknown): Record<string, string | number | boolean | null> | null {
  const invoice = (payload as { data?: { object?: Record<string, unknown> } } | null)?.data?.object;
  if (!invoice || typeof invoice !== "object") return null;
  const fields = [
    "id",
    "number",
    "status",
    "currency",
    "total",
    "amount_due",
    "amount_paid",
    "period_start",
    "period_end",
    "created",
  ];
  const summary: Record<string, string | number | boolean | null> = {};
  for (const field of fields) {
    const value = invoice[field];
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) {
      summary[field] = value as string | number | boolean | null;
    }
  }
  for (const field of ["period_start", "period_end", "created"]) {
    const seconds = summary[field];
    if (typeof seconds === "number") summary[field] = new Date(seconds * 1000).toISOString();
  }
  return summary;
}
