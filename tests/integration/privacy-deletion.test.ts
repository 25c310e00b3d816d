// Account deletion (lib/privacy) on PostgreSQL: the request (sole owners refused, sessions revoked,
// a grace period), cancelling, and the hard delete, after which no row anywhere in the database
// names the user, and the audit hash chains still verify.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { disableUser, enableUser } from "@/lib/admin";
import {
  auditChainOf,
  exportAuditEventsCsv,
  listAuditEvents,
  recordAuditEvent,
  recordSecurityEvent,
  verifyAuditChains,
} from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";
import { checkSession, startSession } from "@/lib/auth";
import { signInWithPassword } from "@/lib/auth/password-sign-in";
import { enqueueJob, queueMail, readJobsConfig, stopJobProducer } from "@/lib/jobs";
import { jobDefinitions } from "@/lib/jobs/worker";
import { logger } from "@/lib/log";
import { changeMemberRole, removeMember, transferOwnership } from "@/lib/orgs";
import {
  accountDeletionStatus,
  auditPseudonym,
  cancelAccountDeletion,
  hardDeleteAccount,
  readDeletionLedgerFile,
  requestAccountDeletion,
  SoleOwnerError,
  SubscriptionStillActiveError,
} from "@/lib/privacy";
import { testDb } from "../support/db";
import { startFakeStripe } from "../support/fake-stripe";
import { billingEnv, stripeId } from "../support/stripe-events";
import { createTestUser, freshIp } from "../support/users";

const DAY_MS = 24 * 60 * 60 * 1000;

// queueMail opens this process's job producer.
afterAll(stopJobProducer);
const afterGrace = () => new Date(Date.now() + 31 * DAY_MS);

async function createOrg(label: string, members: { userId: string; role: "OWNER" | "ADMIN" | "MEMBER" }[]) {
  const slug = `${label}-${randomUUID().slice(0, 8)}`;
  return testDb().organization.create({
    data: { slug, name: `Org ${slug}`, memberships: { create: members } },
  });
}

/**
 * Every row, in every table of every schema the app writes to (Prisma's `public` and pg-boss's
 * `pgboss`), whose text (all columns, JSON included) contains one of `needles`, case-insensitively.
 * Tables are discovered, not listed: a new model is checked without a change here.
 */
async function rowsMentioning(needles: string[]): Promise<Record<string, number>> {
  const db = testDb();
  const tables = await db.$queryRaw<{ schema: string; name: string }[]>`
    SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`;
  expect(tables.map((table) => table.name)).toEqual(expect.arrayContaining(["User", "AuditEvent", "job"]));
  const found: Record<string, number> = {};
  for (const { schema, name } of tables) {
    for (const needle of needles) {
      const [row] = await db.$queryRawUnsafe<{ count: bigint }[]>(
        `SELECT count(*) AS count FROM "${schema}"."${name}" AS t WHERE strpos(lower(t::text), lower($1)) > 0`,
        needle,
      );
      const count = Number(row?.count ?? 0);
      if (count > 0) found[`${schema}.${name} ∋ ${needle === needles[0] ? "id" : "email"}`] = count;
    }
  }
  return found;
}

/** A user with a footprint in every model that can hold one, the way the app creates them. */
async function userWithFootprint() {
  const db = testDb();
  const user = await db.user.update({
    where: { id: (await createTestUser()).id },
    data: { name: "Grace Deleted", mfaSecretEncrypted: "v1:k1:cipher", mfaEnabledAt: new Date() },
  });
  const colleague = await createTestUser();
  const solo = await createOrg("solo", [{ userId: user.id, role: "OWNER" }]);
  const shared = await createOrg("shared", [
    { userId: user.id, role: "OWNER" },
    { userId: colleague.id, role: "OWNER" },
  ]);
  const elsewhere = await createOrg("elsewhere", [{ userId: colleague.id, role: "OWNER" }]);
  const soloProject = await db.project.create({
    data: { orgId: solo.id, name: "solo project", createdById: user.id },
  });
  const sharedProject = await db.project.create({
    data: { orgId: shared.id, name: "shared project", createdById: user.id },
  });
  const inFuture = new Date(Date.now() + 7 * DAY_MS);
  await db.invitation.create({
    data: {
      orgId: shared.id,
      email: "invitee@example.com",
      tokenHash: randomUUID(),
      invitedById: user.id,
      expiresAt: inFuture,
    },
  });
  await db.invitation.create({
    data: {
      orgId: elsewhere.id,
      email: user.email,
      tokenHash: randomUUID(),
      invitedById: colleague.id,
      expiresAt: inFuture,
    },
  });
  await db.authToken.create({
    data: {
      userId: user.id,
      purpose: "EMAIL_CHANGE_UNDO",
      tokenHash: randomUUID(),
      email: user.email,
      expiresAt: inFuture,
    },
  });
  await db.recoveryCode.create({ data: { userId: user.id, codeHash: randomUUID() } });
  await db.oAuthAccount.create({
    data: { userId: user.id, provider: "github", providerAccountId: randomUUID() },
  });
  await db.dataExport.create({
    data: { userId: user.id, status: "READY", archive: Buffer.from("zip"), sizeBytes: 3 },
  });
  await recordSecurityEvent({
    action: "auth.sign_in.succeeded",
    actor: { type: "USER", id: user.id },
    ip: "203.0.113.5",
  });
  await recordAuditEvent({ action: "org.renamed", actor: { type: "USER", id: user.id }, orgId: shared.id });
  await recordAuditEvent({ action: "project.deleted", actor: { type: "USER", id: user.id }, orgId: solo.id });
  // The address as Stripe wrote it, and the user id an older refund carried in its metadata, stored
  // the way the webhook stores every payload: minimized (stripe_event_minimized), so neither lands.
  const payload = {
    id: `evt_${randomUUID()}`,
    type: "invoice.paid",
    data: {
      object: {
        id: "in_1",
        object: "invoice",
        customer_email: user.email.toUpperCase(),
        metadata: { requestedBy: user.id },
      },
    },
  };
  await db.$executeRaw`
    INSERT INTO "StripeEvent" (id, type, "createdAt", "orgId", outcome, payload)
    VALUES (${payload.id}, 'invoice.paid', now(), ${solo.id}::uuid, 'PROCESSED',
            stripe_event_minimized(${JSON.stringify(payload)}::jsonb))`;
  // Mail queued to them and not sent yet (no worker runs in this test).
  await queueMail({ to: user.email, subject: "Queued for the user", text: "hello", html: "<p>hello</p>" });
  // And a sign-up with their address still in the job queue (a worker would find the account exists).
  await enqueueJob(
    "sign-up",
    { email: user.email, name: null, passwordHashEncrypted: "v1.x", ip: "unknown", userAgent: null },
    { startAfter: new Date(Date.now() + 3_600_000) },
  );
  return { user, colleague, solo, shared, elsewhere, soloProject, sharedProject };
}

describe("asking to delete an account", () => {
  it("refuses a sole owner of an organization with other members, naming it", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const org = await createOrg("team", [
      { userId: user.id, role: "OWNER" },
      { userId: other.id, role: "MEMBER" },
    ]);
    const error = await requestAccountDeletion(user.id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SoleOwnerError);
    expect(error).toMatchObject({ status: 409, code: "sole_owner" });
    expect((error as Error).message).toContain(`${org.name} (${org.slug})`);
    expect((error as Error).message).toMatch(/Make another member an owner, or delete the organization/);
    expect(await accountDeletionStatus(user.id)).toMatchObject({
      scheduledAt: null,
      blockingOrganizations: [{ id: org.id, slug: org.slug, name: org.name }],
    });
    expect((await testDb().user.findUnique({ where: { id: user.id } }))?.deletionRequestedAt).toBeNull();
  });

  it("schedules the delete after the grace period, signs out every session and says what goes with it", async () => {
    const user = await createTestUser();
    const solo = await createOrg("alone", [{ userId: user.id, role: "OWNER" }]);
    const session = await startSession(testDb(), user.id);
    const now = new Date();

    const { scheduledAt, notification } = await requestAccountDeletion(user.id, { ip: "203.0.113.8" }, now);
    expect(scheduledAt.getTime()).toBe(now.getTime() + 30 * DAY_MS);
    await expect(checkSession(testDb(), session, { maxAgeSeconds: 3600 })).rejects.toMatchObject({
      reason: "revoked",
    });
    expect(notification).toMatchObject({
      to: user.email,
      subject: expect.stringMatching(/will be deleted on/),
    });
    expect(notification.text).toContain("/sign-in");

    const status = await accountDeletionStatus(user.id);
    expect(status).toMatchObject({ requestedAt: now, scheduledAt, blockingOrganizations: [] });
    expect(status.organizationsDeletedWithAccount).toEqual([
      expect.objectContaining({ id: solo.id, projects: 0 }),
    ]);
    const actions = (
      await testDb().auditEvent.findMany({ where: { actorId: user.id }, orderBy: { seq: "asc" } })
    ).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(["account.deletion_requested", "auth.sessions.revoked"]));

    // Asking again keeps the first date.
    const again = await requestAccountDeletion(user.id, {}, new Date(now.getTime() + DAY_MS));
    expect(again.scheduledAt).toEqual(scheduledAt);
  });

  it("honours ACCOUNT_DELETION_GRACE_DAYS", async () => {
    const user = await createTestUser();
    const now = new Date();
    process.env.ACCOUNT_DELETION_GRACE_DAYS = "3";
    try {
      const { scheduledAt } = await requestAccountDeletion(user.id, {}, now);
      expect(scheduledAt.getTime()).toBe(now.getTime() + 3 * DAY_MS);
    } finally {
      delete process.env.ACCOUNT_DELETION_GRACE_DAYS;
    }
  });

  it("can be cancelled during the grace period, and then nothing is deleted", async () => {
    const user = await createTestUser();
    await requestAccountDeletion(user.id);
    expect(await cancelAccountDeletion(user.id, { ip: "203.0.113.8" })).toBe(true);
    expect(await cancelAccountDeletion(user.id)).toBe(false);
    expect(await testDb().user.findUnique({ where: { id: user.id } })).toMatchObject({
      deletionRequestedAt: null,
      deletionScheduledAt: null,
    });
    expect(await hardDeleteAccount(user.id, { now: afterGrace() })).toBeNull();
    expect(await testDb().user.findUnique({ where: { id: user.id } })).not.toBeNull();
    expect(
      await testDb().auditEvent.count({ where: { actorId: user.id, action: "account.deletion_cancelled" } }),
    ).toBe(1);
  });
});

describe("the hard delete", () => {
  it("does nothing before the grace period ends", async () => {
    const user = await createTestUser();
    await requestAccountDeletion(user.id);
    expect(await hardDeleteAccount(user.id)).toBeNull();
    expect(await testDb().user.findUnique({ where: { id: user.id } })).not.toBeNull();
  });

  it("leaves no row anywhere that names the user, keeps what others own, and the audit chains verify", async () => {
    const { user, colleague, solo, shared, soloProject, sharedProject } = await userWithFootprint();
    await requestAccountDeletion(user.id, { ip: "203.0.113.5" });
    const eventsByUser = await testDb().auditEvent.count({ where: { actorId: user.id } });
    // Before: the footprint is everywhere, the job queue and JSON payloads included.
    const before = Object.keys(await rowsMentioning([user.id, user.email]));
    expect(before).toEqual(
      expect.arrayContaining([
        "public.User ∋ id",
        "public.Membership ∋ id",
        "public.AuthToken ∋ email",
        "public.Invitation ∋ email",
        "public.AuditEvent ∋ id",
        "public.DataExport ∋ id",
        "pgboss.job ∋ email",
      ]),
    );

    // The job: its grace period is over.
    await testDb().user.update({
      where: { id: user.id },
      data: { deletionScheduledAt: new Date(Date.now() - 1000) },
    });
    const job = jobDefinitions(readJobsConfig({})).find(
      (definition) => definition.name === "account-deletion",
    );
    // The job writes the deletion ledger beside the backups: a directory of this test's own.
    const backupDir = await mkdtemp(path.join(tmpdir(), "shipshape-ledger-"));
    vi.stubEnv("BACKUP_DIR", backupDir);
    try {
      await job?.handler({}, { id: "job", attempt: 1, isFinalAttempt: false, log: logger });
      expect(await readDeletionLedgerFile(backupDir)).toContainEqual({
        pseudonym: auditPseudonym(user.id),
        deletedAt: expect.any(String),
      });
    } finally {
      vi.unstubAllEnvs();
      await rm(backupDir, { recursive: true, force: true });
    }

    expect(await rowsMentioning([user.id, user.email])).toEqual({});
    // The chains this user's events are in (other test files tamper with chains of their own on purpose).
    for (const chain of [auditChainOf(null, user.id), `org:${solo.id}`, `org:${shared.id}`]) {
      expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: true, chains: 1 });
    }

    // Their audit history stays, under the pseudonym; the deletion itself is on a platform shard (the
    // one its target, the pseudonym, picks).
    const pseudonym = auditPseudonym(user.id);
    expect(await testDb().auditEvent.count({ where: { actorId: pseudonym } })).toBe(eventsByUser);
    const deletion = await testDb().auditEvent.findFirst({
      where: { action: "account.deleted", targetId: pseudonym },
    });
    expect(deletion).toMatchObject({
      chain: auditChainOf(null, pseudonym),
      actorType: "SYSTEM",
      actorId: "account-deletion",
      metadata: expect.objectContaining({ auditEventsPseudonymized: eventsByUser, organizationsDeleted: 1 }),
    });
    expect(await verifyAuditChains({ chain: deletion?.chain, db: testDb() })).toMatchObject({ ok: true });
    // The org only they were in went, with its project; the shared org and its project stay.
    expect(await testDb().organization.findUnique({ where: { id: solo.id } })).toBeNull();
    expect(await testDb().project.findUnique({ where: { id: soloProject.id } })).toBeNull();
    expect(
      await testDb().auditEvent.findFirst({ where: { action: "org.deleted", orgId: solo.id } }),
    ).not.toBeNull();
    expect(await testDb().project.findUnique({ where: { id: sharedProject.id } })).toMatchObject({
      createdById: null,
    });
    expect(await testDb().membership.findMany({ where: { orgId: shared.id } })).toEqual([
      expect.objectContaining({ userId: colleague.id, role: "OWNER" }),
    ]);
    // The invitation they sent stays with the org, without them.
    expect(await testDb().invitation.findFirst({ where: { orgId: shared.id } })).toMatchObject({
      invitedById: null,
    });
  });

  it("hands an org that gained members during the grace period to its longest-standing admin", async () => {
    const user = await createTestUser();
    const org = await createOrg("grew", [{ userId: user.id, role: "OWNER" }]);
    await requestAccountDeletion(user.id);
    const member = await createTestUser();
    const admin = await createTestUser();
    await testDb().membership.create({ data: { userId: member.id, orgId: org.id, role: "MEMBER" } });
    await testDb().membership.create({ data: { userId: admin.id, orgId: org.id, role: "ADMIN" } });

    expect(await hardDeleteAccount(user.id, { now: afterGrace() })).toEqual({ email: user.email });
    expect(await testDb().organization.findUnique({ where: { id: org.id } })).not.toBeNull();
    const roles = await testDb().membership.findMany({
      where: { orgId: org.id },
      select: { userId: true, role: true },
    });
    expect(roles).toEqual(
      expect.arrayContaining([
        { userId: admin.id, role: "OWNER" },
        { userId: member.id, role: "MEMBER" },
      ]),
    );
    // The new owner is the event's target; the deleted user is in it nowhere.
    expect(
      await testDb().auditEvent.findFirst({ where: { orgId: org.id, action: "org.ownership_transferred" } }),
    ).toMatchObject({
      actorId: "account-deletion",
      targetType: "user",
      targetId: admin.id,
      metadata: { membershipId: expect.any(String), reason: "owner_account_deleted" },
    });
  });

  it("with billing off, waits, deleting nothing, while an org to delete still has a live subscription", async () => {
    const user = await createTestUser();
    const org = await createOrg("paying", [{ userId: user.id, role: "OWNER" }]);
    await testDb().billingAccount.create({
      data: {
        orgId: org.id,
        stripeCustomerId: `cus_${randomUUID()}`,
        stripeSubscriptionId: `sub_${randomUUID()}`,
        status: "ACTIVE",
      },
    });
    await requestAccountDeletion(user.id);
    await expect(hardDeleteAccount(user.id, { now: afterGrace() })).rejects.toBeInstanceOf(
      SubscriptionStillActiveError,
    );
    expect(await testDb().user.findUnique({ where: { id: user.id } })).not.toBeNull();
    expect(await testDb().organization.findUnique({ where: { id: org.id } })).not.toBeNull();

    await testDb().billingAccount.update({ where: { orgId: org.id }, data: { status: "CANCELED" } });
    expect(await hardDeleteAccount(user.id, { now: afterGrace() })).toEqual({ email: user.email });
    expect(await testDb().organization.findUnique({ where: { id: org.id } })).toBeNull();
  });

  it("with billing on, cancels the subscription at Stripe first, then deletes the organization", async () => {
    const fake = await startFakeStripe();
    for (const [name, value] of Object.entries(billingEnv(fake.url))) vi.stubEnv(name, value);
    try {
      const user = await createTestUser();
      const org = await createOrg("subscribed", [{ userId: user.id, role: "OWNER" }]);
      const customer = stripeId("cus");
      const subscription = stripeId("sub");
      fake.addSubscription({ id: subscription, customer, status: "active" });
      await testDb().billingAccount.create({
        data: {
          orgId: org.id,
          stripeCustomerId: customer,
          stripeSubscriptionId: subscription,
          status: "ACTIVE",
        },
      });
      await requestAccountDeletion(user.id);

      expect(await hardDeleteAccount(user.id, { now: afterGrace() })).toEqual({ email: user.email });
      expect(fake.requests().filter((request) => request.method === "DELETE")).toMatchObject([
        { path: `/v1/subscriptions/${subscription}` },
      ]);
      expect(await testDb().organization.findUnique({ where: { id: org.id } })).toBeNull();
      // The cancellation is on the organization's chain, by the departed user's pseudonym.
      expect(
        await testDb().auditEvent.findFirst({
          where: { orgId: org.id, action: "billing.subscription.canceled" },
        }),
      ).toMatchObject({ actorId: auditPseudonym(user.id) });
    } finally {
      vi.unstubAllEnvs();
      await fake.close();
    }
  });

  it("also pseudonymizes the events others did to the user, so no row names them, and the chains verify", async () => {
    const user = await createTestUser();
    const admin = await createTestUser({ isPlatformAdmin: true, mfaEnabledAt: new Date() });
    const adminActor = { userId: admin.id, ip: "198.51.100.7" };
    const colleague = await createTestUser();
    const coOwner = await createTestUser();
    const team = await createOrg("team", [
      { userId: colleague.id, role: "OWNER" },
      { userId: coOwner.id, role: "OWNER" },
      { userId: user.id, role: "MEMBER" },
    ]);
    const club = await createOrg("club", [
      { userId: colleague.id, role: "OWNER" },
      { userId: user.id, role: "MEMBER" },
    ]);
    const membershipIn = async (orgId: string) =>
      (await testDb().membership.findFirstOrThrow({ where: { orgId, userId: user.id } })).id;
    const colleagueIn = (orgId: string) =>
      ({
        orgId,
        userId: colleague.id,
        role: "OWNER",
        ip: "203.0.113.9",
        userAgent: "vitest",
        authAt: Date.now(),
      }) as const;

    // An admin action, a failed sign-in against their account, a role change, an ownership transfer
    // to them, a removal, and an export of their events: each names them as the target.
    await disableUser(adminActor, user.id);
    await enableUser(adminActor, user.id);
    expect(
      await signInWithPassword({ email: user.email, password: "not the password", ip: freshIp() }),
    ).toMatchObject({ ok: false, code: "invalid_credentials" });
    await changeMemberRole(colleagueIn(team.id), await membershipIn(team.id), "ADMIN");
    await transferOwnership(colleagueIn(team.id), await membershipIn(team.id));
    await removeMember(colleagueIn(club.id), await membershipIn(club.id));
    await exportAuditEventsCsv({
      scope: { kind: "organization", orgId: team.id },
      filter: { actor: user.email },
      exportedBy: { userId: coOwner.id },
      db: testDb(),
      directory: auditDirectory,
    });
    const aboutUser = await testDb().auditEvent.findMany({
      where: { targetType: "user", targetId: user.id },
      select: { action: true },
    });
    expect(aboutUser.map((event) => event.action).sort()).toEqual([
      "admin.user.disabled",
      "admin.user.enabled",
      "audit.exported",
      "auth.sign_in.failed",
      "membership.removed",
      "membership.role_changed",
      "org.ownership_transferred",
    ]);

    await requestAccountDeletion(user.id);
    await hardDeleteAccount(user.id, { now: afterGrace() });

    expect(await rowsMentioning([user.id, user.email])).toEqual({});
    for (const chain of [auditChainOf(null, user.id), `org:${team.id}`, `org:${club.id}`]) {
      expect(await verifyAuditChains({ chain, db: testDb() })).toMatchObject({ ok: true, chains: 1 });
    }
    // The events stay, about the pseudonym; the rest of what they said (roles, membership) too.
    const pseudonym = auditPseudonym(user.id);
    expect(await testDb().auditEvent.count({ where: { targetType: "user", targetId: pseudonym } })).toBe(
      aboutUser.length + 1, // and account.deleted itself
    );
    expect(
      await testDb().auditEvent.findFirst({ where: { orgId: team.id, action: "org.ownership_transferred" } }),
    ).toMatchObject({
      actorId: colleague.id,
      targetId: pseudonym,
      metadata: { membershipId: expect.any(String), previousRole: "ADMIN" },
    });
    expect(
      await testDb().auditEvent.findFirst({ where: { action: "account.deleted", targetId: pseudonym } }),
    ).toMatchObject({ metadata: expect.objectContaining({ auditTargetsPseudonymized: aboutUser.length }) });
    // The viewer shows who the events were about: a deleted user now, and people who still exist by email.
    const { events } = await listAuditEvents(
      { kind: "organization", orgId: team.id },
      { action: "membership" },
      { db: testDb(), directory: auditDirectory },
    );
    expect(events.map((event) => [event.actor.label, event.target])).toEqual([
      [colleague.email, { type: "user", id: pseudonym, label: null }],
    ]);
  });
});
