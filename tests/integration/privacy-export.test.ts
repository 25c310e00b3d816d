// Data export (lib/privacy) on PostgreSQL: what goes into the zip and what stays out, who can
// download it and until when, the audit trail, and the retention that drops old archives.
import { randomUUID } from "node:crypto";
import { strFromU8, unzipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { requestDataExportAction } from "@/app/(app)/account/export/actions";
import { GET as downloadExport } from "@/app/api/account/exports/[exportId]/route";
import { GET as listOrgs } from "@/app/api/orgs/route";
import { recordAuditEvent } from "@/lib/audit";
import { readJobsConfig, stopJobProducer } from "@/lib/jobs";
import { jobDefinitions } from "@/lib/jobs/worker";
import { logger } from "@/lib/log";
import { listDevMail } from "@/lib/mail";
import {
  buildDataExport,
  DataExportExpiredError,
  DataExportInProgressError,
  DataExportNotFoundError,
  DataExportNotReadyError,
  listDataExports,
  pruneDataExports,
  readDataExportArchive,
  requestDataExport,
} from "@/lib/privacy";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

const DAY_MS = 24 * 60 * 60 * 1000;
// The export action enqueues its build through this process's pg-boss producer.
afterAll(stopJobProducer);

async function createOrg(label: string) {
  const slug = `${label}-${randomUUID().slice(0, 8)}`;
  return testDb().organization.create({ data: { slug, name: `Org ${slug}` } });
}

/** A user who owns one org, is a member of another, created projects and did audited things. */
async function userWithData() {
  const db = testDb();
  const user = await db.user.update({
    where: { id: (await createTestUser()).id },
    data: { name: "Ada Export", mfaSecretEncrypted: "v1:k1:SECRET-CIPHERTEXT", mfaEnabledAt: new Date() },
  });
  const owned = await createOrg("owned");
  const joined = await createOrg("joined");
  await db.membership.create({ data: { userId: user.id, orgId: owned.id, role: "OWNER" } });
  await db.membership.create({ data: { userId: user.id, orgId: joined.id, role: "MEMBER" } });
  const project = await db.project.create({
    data: { orgId: joined.id, name: "Ada's project", description: "notes", createdById: user.id },
  });
  await db.project.create({ data: { orgId: joined.id, name: "Someone else's project" } });
  await db.recoveryCode.create({ data: { userId: user.id, codeHash: "argon2-hash-of-a-code" } });
  await recordAuditEvent({
    action: "org.renamed",
    actor: { type: "USER", id: user.id },
    orgId: owned.id,
    ip: "203.0.113.7",
    metadata: { from: "a", to: "b" },
  });
  const invoice = (orgId: string, id: string) =>
    db.stripeEvent.create({
      data: {
        id: `evt_${randomUUID()}`,
        type: "invoice.paid",
        createdAt: new Date(),
        orgId,
        outcome: "PROCESSED",
        payload: {
          type: "invoice.paid",
          data: {
            object: {
              id,
              number: "INV-0001",
              status: "paid",
              currency: "eur",
              total: 1900,
              amount_paid: 1900,
              created: 1_767_225_600,
              hosted_invoice_url: "https://invoice.stripe.com/secret-link",
              customer_email: user.email,
            },
          },
        },
      },
    });
  await invoice(owned.id, "in_owned");
  await invoice(joined.id, "in_not_owned");
  // An invitation they sent, one sent to them, a pending email change, a device, a past export.
  await db.invitation.create({
    data: {
      orgId: owned.id,
      email: "friend@elsewhere.example",
      tokenHash: `hash-${randomUUID()}`,
      invitedById: user.id,
      expiresAt: new Date(Date.now() + DAY_MS),
    },
  });
  await db.invitation.create({
    data: {
      orgId: joined.id,
      email: user.email.toUpperCase(),
      tokenHash: `hash-${randomUUID()}`,
      expiresAt: new Date(Date.now() + DAY_MS),
    },
  });
  await db.authToken.create({
    data: {
      userId: user.id,
      purpose: "EMAIL_CHANGE",
      tokenHash: `hash-${randomUUID()}`,
      email: "ada.new@newmail.example",
      expiresAt: new Date(Date.now() + DAY_MS),
    },
  });
  await db.userSession.create({ data: { userId: user.id, device: "Firefox on Linux" } });
  await db.dataExport.create({
    data: { userId: user.id, status: "EXPIRED", createdAt: new Date(Date.now() - 30 * DAY_MS) },
  });
  await db.user.update({
    where: { id: user.id },
    data: { disabledAt: new Date("2026-02-03T04:05:06.000Z") },
  });
  return { user, owned, joined, project };
}

async function buildFor(userId: string) {
  const { id } = await requestDataExport(userId, { ip: "203.0.113.9", userAgent: "test-agent" });
  const built = await buildDataExport(id);
  return { id, built };
}

function filesOf(archive: Uint8Array): Record<string, unknown> {
  const files = unzipSync(archive);
  return Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [
      name,
      name.endsWith(".json") ? JSON.parse(strFromU8(bytes)) : strFromU8(bytes),
    ]),
  );
}

describe("requesting an export", () => {
  it("creates a pending export, audited, and refuses a second one while it is pending", async () => {
    const user = await createTestUser();
    const { id } = await requestDataExport(user.id, { ip: "203.0.113.9" });
    expect(await listDataExports(user.id)).toEqual([expect.objectContaining({ id, status: "PENDING" })]);
    await expect(requestDataExport(user.id)).rejects.toBeInstanceOf(DataExportInProgressError);
    await expect(requestDataExport(user.id)).rejects.toMatchObject({
      status: 409,
      code: "export_in_progress",
    });
    const audit = await testDb().auditEvent.findFirst({
      where: { action: "data.export_requested", actorId: user.id },
    });
    expect(audit).toMatchObject({ targetType: "data_export", targetId: id, actorIp: "203.0.113.9" });
  });
});

describe("building an export", () => {
  it("zips the profile, memberships, projects, audit events and owned orgs' invoices as JSON", async () => {
    const { user, owned, joined, project } = await userWithData();
    const { id, built } = await buildFor(user.id);
    expect(built).toMatchObject({ status: "built", sizeBytes: expect.any(Number) });

    const { archive } = await readDataExportArchive(user.id, id);
    const files = filesOf(archive);
    expect(Object.keys(files).sort()).toEqual([
      "README.txt",
      "audit-events.json",
      "exports.json",
      "invitations.json",
      "invoices.json",
      "memberships.json",
      "profile.json",
      "projects.json",
      "sessions.json",
    ]);
    expect(files["profile.json"]).toMatchObject({
      id: user.id,
      email: user.email,
      name: "Ada Export",
      mfaEnabled: true,
      disabledAt: "2026-02-03T04:05:06.000Z",
      pendingEmailChange: expect.objectContaining({ newEmail: "ada.new@newmail.example" }),
    });
    expect(files["invitations.json"]).toEqual({
      sent: [
        expect.objectContaining({
          email: "friend@elsewhere.example",
          organization: expect.objectContaining({ slug: owned.slug }),
        }),
      ],
      received: [
        expect.objectContaining({
          email: user.email.toUpperCase(),
          organization: expect.objectContaining({ slug: joined.slug }),
        }),
      ],
    });
    expect(files["sessions.json"]).toEqual([expect.objectContaining({ device: "Firefox on Linux" })]);
    // Their export history: the old one and this one.
    expect((files["exports.json"] as { id: string; status: string }[]).map((entry) => entry.status)).toEqual([
      "EXPIRED",
      "PENDING",
    ]);
    expect(files["memberships.json"]).toEqual([
      expect.objectContaining({ organization: expect.objectContaining({ slug: owned.slug }), role: "OWNER" }),
      expect.objectContaining({
        organization: expect.objectContaining({ slug: joined.slug }),
        role: "MEMBER",
      }),
    ]);
    expect(files["projects.json"]).toEqual([
      expect.objectContaining({
        id: project.id,
        name: "Ada's project",
        organization: expect.objectContaining({ slug: joined.slug }),
      }),
    ]);
    expect(files["audit-events.json"]).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: "org.renamed", organizationId: owned.id, ip: "203.0.113.7" }),
        expect.objectContaining({ action: "data.export_requested", userAgent: "test-agent" }),
      ]),
    );
    // Only the organization they own; only the invoice's numbers, not its link.
    expect(files["invoices.json"]).toEqual([
      expect.objectContaining({
        organization: expect.objectContaining({ slug: owned.slug }),
        invoice: expect.objectContaining({
          id: "in_owned",
          total: 1900,
          created: "2026-01-01T00:00:00.000Z",
        }),
      }),
    ]);
    const everything = JSON.stringify(files);
    for (const secret of ["SECRET-CIPHERTEXT", "argon2", "passwordHash", "sessionVersion", "secret-link"]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("is ready for DATA_EXPORT_TTL_DAYS, emails the owner a link to the export page, and builds only once", async () => {
    const user = await createTestUser();
    const now = new Date();
    const { id } = await requestDataExport(user.id);
    await buildDataExport(id, { now });
    const [summary] = await listDataExports(user.id);
    expect(summary).toMatchObject({ id, status: "READY" });
    expect(summary?.expiresAt?.getTime()).toBe(now.getTime() + 7 * DAY_MS);

    const mail = (await listDevMail()).find((m) => m.to === user.email);
    expect(mail?.subject).toMatch(/data export is ready/);
    expect(mail?.text).toContain("/account/export");

    expect(await buildDataExport(id)).toEqual({ status: "skipped" });
    expect(await buildDataExport(randomUUID())).toEqual({ status: "skipped" });
  });

  it("the job marks an export FAILED when its last attempt fails, so nobody waits forever", async () => {
    const user = await createTestUser();
    const { id } = await requestDataExport(user.id);
    const job = jobDefinitions(readJobsConfig({})).find((d) => d.name === "data-export-build");
    const run = { id: "job-1", attempt: 4, isFinalAttempt: true, log: logger };
    // A broken setting makes the build throw after it read the data.
    process.env.DATA_EXPORT_TTL_DAYS = "0";
    try {
      await expect(job?.handler({ exportId: id }, run)).rejects.toThrow(/DATA_EXPORT_TTL_DAYS/);
    } finally {
      delete process.env.DATA_EXPORT_TTL_DAYS;
    }
    const row = await testDb().dataExport.findUnique({ where: { id } });
    expect(row).toMatchObject({ status: "FAILED", error: expect.stringMatching(/Request a new one/) });
    // An earlier attempt leaves it pending for the retry.
    const { id: second } = await requestDataExport(user.id);
    process.env.DATA_EXPORT_TTL_DAYS = "0";
    try {
      await expect(job?.handler({ exportId: second }, { ...run, isFinalAttempt: false })).rejects.toThrow();
    } finally {
      delete process.env.DATA_EXPORT_TTL_DAYS;
    }
    expect(await testDb().dataExport.findUnique({ where: { id: second } })).toMatchObject({
      status: "PENDING",
    });
  });
});

describe("downloading an export", () => {
  it("serves the zip to its owner only; another user's export looks like one that does not exist", async () => {
    const owner = await createTestUser();
    const other = await createTestUser();
    const { id } = await buildFor(owner.id);
    const params = (exportId: string) => ({ params: Promise.resolve({ exportId }) });

    const response = await downloadExport(
      appRequest(`/api/account/exports/${id}`, { cookie: await sessionCookieFor(owner.id), ip: freshIp() }),
      params(id),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/zip");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="shipshape-export-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(Object.keys(filesOf(new Uint8Array(await response.arrayBuffer())))).toContain("profile.json");

    const otherCookie = await sessionCookieFor(other.id);
    const stolen = await downloadExport(
      appRequest(`/api/account/exports/${id}`, { cookie: otherCookie, ip: freshIp() }),
      params(id),
    );
    const missing = randomUUID();
    const nothing = await downloadExport(
      appRequest(`/api/account/exports/${missing}`, { cookie: otherCookie, ip: freshIp() }),
      params(missing),
    );
    expect(stolen.status).toBe(404);
    expect(nothing.status).toBe(404);
    expect(await stolen.json()).toEqual(await nothing.json());

    const anonymous = await downloadExport(
      appRequest(`/api/account/exports/${id}`, { ip: freshIp() }),
      params(id),
    );
    expect(anonymous.status).toBe(401);
    const malformed = await downloadExport(
      appRequest("/api/account/exports/nope", { cookie: otherCookie, ip: freshIp() }),
      params("nope"),
    );
    expect(malformed.status).toBe(400);
  });

  it("audits each download as data.exported, with the client's address", async () => {
    const user = await createTestUser();
    const { id } = await buildFor(user.id);
    await readDataExportArchive(user.id, id, { ip: "198.51.100.4", userAgent: "curl" });
    const event = await testDb().auditEvent.findFirst({ where: { action: "data.exported", targetId: id } });
    expect(event).toMatchObject({
      actorId: user.id,
      actorIp: "198.51.100.4",
      metadata: { sizeBytes: expect.any(Number) },
    });
  });

  it("answers 409 while pending and 410 once expired", async () => {
    const user = await createTestUser();
    const { id } = await requestDataExport(user.id);
    await expect(readDataExportArchive(user.id, id)).rejects.toBeInstanceOf(DataExportNotReadyError);
    await buildDataExport(id);
    const later = new Date(Date.now() + 8 * DAY_MS);
    await expect(readDataExportArchive(user.id, id, {}, later)).rejects.toMatchObject({
      status: 410,
      code: "export_expired",
    });
    await expect(readDataExportArchive(user.id, "not-a-uuid")).rejects.toBeInstanceOf(
      DataExportNotFoundError,
    );
  });
});

describe("during the deletion grace period", () => {
  it("the export can still be requested, built and downloaded, while the rest of the app answers 403", async () => {
    const user = await createTestUser();
    await testDb().user.update({
      where: { id: user.id },
      data: { deletionRequestedAt: new Date(), deletionScheduledAt: new Date(Date.now() + 30 * DAY_MS) },
    });
    const cookie = await sessionCookieFor(user.id);

    const other = await listOrgs(appRequest("/api/orgs", { cookie, ip: freshIp() }), {
      params: Promise.resolve({}),
    });
    expect(other.status).toBe(403);
    expect((await other.json()).error.code).toBe("account_deletion_pending");

    const requested = await submitAction(requestDataExportAction, {}, { cookie });
    expect(requested).toMatchObject({ status: "ok" });
    const [pending] = await listDataExports(user.id);
    expect(pending?.status).toBe("PENDING");
    await buildDataExport(pending?.id as string);
    const download = await downloadExport(
      appRequest(`/api/account/exports/${pending?.id}`, { cookie, ip: freshIp() }),
      { params: Promise.resolve({ exportId: pending?.id as string }) },
    );
    expect(download.status).toBe(200);
    expect(Object.keys(filesOf(new Uint8Array(await download.arrayBuffer())))).toContain("profile.json");
  });
});

describe("export retention", () => {
  it("drops expired archives, fails exports stuck pending, and deletes old expired or failed rows", async () => {
    const user = await createTestUser();
    const now = new Date();
    const { id: expiring } = await requestDataExport(user.id);
    await buildDataExport(expiring, { now: new Date(now.getTime() - 8 * DAY_MS) });
    const stuck = await testDb().dataExport.create({
      data: { userId: user.id, createdAt: new Date(now.getTime() - 7 * 60 * 60 * 1000) },
    });
    const old = await testDb().dataExport.create({
      data: { userId: user.id, status: "FAILED", createdAt: new Date(now.getTime() - 40 * DAY_MS) },
    });
    const fresh = await testDb().dataExport.create({ data: { userId: user.id } });

    const result = await pruneDataExports({ retentionDays: 30, now });
    expect(result.expired).toBeGreaterThanOrEqual(1);
    const rows = await testDb().dataExport.findMany({ where: { userId: user.id } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(expiring)).toMatchObject({ status: "EXPIRED", archive: null });
    expect(byId.get(stuck.id)).toMatchObject({ status: "FAILED" });
    expect(byId.has(old.id)).toBe(false);
    expect(byId.get(fresh.id)).toMatchObject({ status: "PENDING" });
    await expect(readDataExportArchive(user.id, expiring)).rejects.toBeInstanceOf(DataExportExpiredError);
  });
});
