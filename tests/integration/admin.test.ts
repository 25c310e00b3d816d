import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { manageUserAction } from "@/app/admin/users/[userId]/actions";
import {
  AdminNotFoundError,
  disableUser,
  enableUser,
  forceSignOut,
  getUserDetail,
  InvalidAdminQueryError,
  listOrganizations,
  listUsers,
  resendVerification,
  SelfDisableError,
} from "@/lib/admin";
import { auditChainOf, listAuditEvents, verifyAuditChains } from "@/lib/audit";
import { auditDirectory } from "@/lib/audit/directory";
import {
  checkSession,
  encryptSecret,
  generateTotpSecret,
  SessionRevokedError,
  startSession,
  verifyEmail,
} from "@/lib/auth";
import { logger } from "@/lib/log";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { sessionCookieFor } from "../support/sessions";
import { createTestUser } from "../support/users";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const limits = { maxAgeSeconds: 30 * 86_400 };

/** A platform admin enrolled in MFA the way the enrolment flow leaves one: an encrypted secret, mfaEnabledAt. */
async function createPlatformAdmin() {
  const user = await createTestUser();
  return testDb().user.update({
    where: { id: user.id },
    data: {
      isPlatformAdmin: true,
      mfaSecretEncrypted: encryptSecret(generateTotpSecret(), `user:${user.id}:totp`),
      mfaEnabledAt: new Date(),
    },
  });
}

function actorOf(admin: { id: string }) {
  return { userId: admin.id, ip: "198.51.100.20", userAgent: "vitest admin" };
}

async function sessionEnd(claims: Parameters<typeof checkSession>[1]): Promise<string | null> {
  try {
    await checkSession(testDb(), claims, limits);
    return null;
  } catch (error) {
    if (error instanceof SessionRevokedError) return error.reason;
    throw error;
  }
}

async function adminEvents(targetId: string) {
  return testDb().auditEvent.findMany({ where: { targetType: "user", targetId }, orderBy: { seq: "asc" } });
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("disable, enable and force sign-out", () => {
  it("disabling ends every session at once and is audited with the admin as actor", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser();
    const laptop = await startSession(testDb(), user.id);
    const phone = await startSession(testDb(), user.id);
    expect(await sessionEnd(laptop)).toBeNull();

    const result = await disableUser(actorOf(admin), user.id, testDb());
    expect(result).toMatchObject({ changed: true, user: { id: user.id, disabled: true } });
    expect(await sessionEnd(laptop)).toBe("disabled");
    expect(await sessionEnd(phone)).toBe("disabled");

    const [event] = await adminEvents(user.id);
    expect(event).toMatchObject({
      action: "admin.user.disabled",
      actorType: "USER",
      actorId: admin.id,
      actorIp: "198.51.100.20",
      orgId: null,
      chain: auditChainOf(null, admin.id),
    });
    expect(await verifyAuditChains({ chain: auditChainOf(null, admin.id), db: testDb() })).toMatchObject({
      ok: true,
    });

    // Enabling lets the user back in with a new session; the old ones stay ended.
    expect(await enableUser(actorOf(admin), user.id, testDb())).toMatchObject({
      changed: true,
      user: { disabled: false },
    });
    expect(await sessionEnd(laptop)).toBe("revoked");
    expect(await sessionEnd(await startSession(testDb(), user.id))).toBeNull();
    expect((await adminEvents(user.id)).map((e) => [e.action, e.actorId])).toEqual([
      ["admin.user.disabled", admin.id],
      ["admin.user.enabled", admin.id],
    ]);
  });

  it("enabling an account disabled some other way still keeps its old sessions out", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser();
    const before = await startSession(testDb(), user.id);
    await testDb().user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    await enableUser(actorOf(admin), user.id, testDb());
    expect(await sessionEnd(before)).toBe("revoked");
  });

  it("force sign-out ends the sessions but leaves the account usable", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser();
    const claims = await startSession(testDb(), user.id);
    expect(await forceSignOut(actorOf(admin), user.id, testDb())).toMatchObject({
      changed: true,
      user: { disabled: false },
    });
    expect(await sessionEnd(claims)).toBe("revoked");
    expect(await sessionEnd(await startSession(testDb(), user.id))).toBeNull();
    expect((await adminEvents(user.id)).map((e) => e.action)).toEqual(["admin.user.signed_out"]);
  });

  it("resends a verification link that works, retires the older one, and audits the admin", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser({ emailVerifiedAt: null });
    const first = await resendVerification(actorOf(admin), user.id, testDb());
    expect(first).toMatchObject({ changed: true, user: { emailVerified: false } });
    const older = linkToken((await mailTo(user.email))[0], "/verify-email");

    await resendVerification(actorOf(admin), user.id, testDb());
    const mails = await mailTo(user.email);
    expect(mails).toHaveLength(2);
    const newest = linkToken(mails[0], "/verify-email");
    expect(await verifyEmail(older, { ip: "198.51.100.30" })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
    expect(await verifyEmail(newest, { ip: "198.51.100.30" })).toEqual({ ok: true, userId: user.id });

    const events = await adminEvents(user.id);
    expect(events.filter((e) => e.action === "admin.user.verification_resent")).toMatchObject([
      { actorType: "USER", actorId: admin.id },
      { actorType: "USER", actorId: admin.id },
    ]);

    // Verified now: nothing is sent and nothing is audited.
    expect((await resendVerification(actorOf(admin), user.id, testDb())).changed).toBe(false);
    expect(await mailTo(user.email)).toHaveLength(2);
    expect((await adminEvents(user.id)).filter((e) => e.action.startsWith("admin."))).toHaveLength(2);
  });

  it("tells the admin the mail server is down when the verification email can't be sent, and reports it", async () => {
    // Port 1 on loopback: nothing listens there, so every connection is refused at once (lib/mail
    // tries 3 times, 200 ms and 1 s apart).
    vi.stubEnv("SMTP_URL", "smtp://127.0.0.1:1");
    const errors = vi.spyOn(logger, "error");
    const admin = await createPlatformAdmin();
    const user = await createTestUser({ emailVerifiedAt: null });

    const outcome = await submitAction(
      manageUserAction,
      { userId: user.id, intent: "resend_verification" },
      { cookie: await sessionCookieFor(admin.id, { mfa: "verified" }) },
    );
    expect(outcome).toEqual({
      status: "error",
      code: "mail_unavailable",
      message:
        "The email could not be sent: the mail server can't be reached right now. Try again in a few minutes.",
    });
    // Still an outage on our side: logged as one (and so sent to Sentry), with the technical detail.
    const outage = errors.mock.calls.find(
      ([, message]) => message === "a dependency is unavailable: answered 503",
    );
    expect(outage?.[0]).toMatchObject({
      code: "mail_unavailable",
      err: { detail: expect.stringMatching(/was not delivered after 3 attempts/) },
    });
    // The new link was issued and audited before sending: pressing again sends another one.
    expect((await adminEvents(user.id)).map((e) => e.action)).toEqual(["admin.user.verification_resent"]);
  });

  it("does nothing, and audits nothing, when the account is already in that state", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser();
    await disableUser(actorOf(admin), user.id, testDb());
    expect((await disableUser(actorOf(admin), user.id, testDb())).changed).toBe(false);
    await enableUser(actorOf(admin), user.id, testDb());
    expect((await enableUser(actorOf(admin), user.id, testDb())).changed).toBe(false);
    expect((await adminEvents(user.id)).map((e) => e.action)).toEqual([
      "admin.user.disabled",
      "admin.user.enabled",
    ]);
  });

  it("two admins disabling one user at the same moment write one change and one event", async () => {
    const [first, second] = [await createPlatformAdmin(), await createPlatformAdmin()];
    const user = await createTestUser();
    const results = await Promise.all([
      disableUser(actorOf(first), user.id, testDb()),
      disableUser(actorOf(second), user.id, testDb()),
    ]);
    expect(results.map((r) => r.changed).sort()).toEqual([false, true]);
    expect(await adminEvents(user.id)).toHaveLength(1);
  });

  it("refuses an admin disabling themselves, and changes nothing", async () => {
    const admin = await createPlatformAdmin();
    const claims = await startSession(testDb(), admin.id);
    const error = await thrown(disableUser(actorOf(admin), admin.id.toUpperCase(), testDb()));
    expect(error).toBeInstanceOf(SelfDisableError);
    expect(error).toMatchObject({ status: 403, code: "cannot_disable_self" });
    expect(await sessionEnd(claims)).toBeNull();
    expect(await adminEvents(admin.id)).toEqual([]);
  });

  it("refuses anyone who isn't an enabled platform admin with MFA, as not found", async () => {
    const user = await createTestUser();
    const plainUser = await createTestUser();
    const adminWithoutMfa = await testDb().user.update({
      where: { id: (await createTestUser()).id },
      data: { isPlatformAdmin: true },
    });
    const disabledAdmin = await testDb().user.update({
      where: { id: (await createPlatformAdmin()).id },
      data: { disabledAt: new Date() },
    });
    for (const actor of [plainUser, adminWithoutMfa, disabledAdmin]) {
      for (const run of [disableUser, enableUser, forceSignOut]) {
        const error = await thrown(run(actorOf(actor), user.id, testDb()));
        expect(error).toBeInstanceOf(AdminNotFoundError);
        expect(error).toMatchObject({ status: 404, code: "not_found" });
      }
    }
    expect(await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      disabledAt: null,
      sessionVersion: 1,
    });
    expect(await adminEvents(user.id)).toEqual([]);
  });

  it("answers an unknown or malformed user id as not found", async () => {
    const admin = await createPlatformAdmin();
    for (const id of [randomUUID(), "not-a-uuid", "' OR 1=1 --"]) {
      expect(await thrown(disableUser(actorOf(admin), id, testDb()))).toBeInstanceOf(AdminNotFoundError);
      expect(await thrown(getUserDetail(id, testDb()))).toBeInstanceOf(AdminNotFoundError);
    }
  });

  it("puts the admin actions in the platform audit view, with both emails", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser();
    await forceSignOut(actorOf(admin), user.id, testDb());
    const { events } = await listAuditEvents(
      { kind: "platform" },
      { actor: admin.email, action: "admin" },
      { db: testDb(), directory: auditDirectory },
    );
    expect(events).toEqual([
      expect.objectContaining({
        action: "admin.user.signed_out",
        actor: expect.objectContaining({ email: admin.email }),
        target: { type: "user", id: user.id, label: user.email },
      }),
    ]);
  });
});

describe("finding users and organizations", () => {
  it("searches users by part of the email or name, case-insensitively, a page at a time both ways", async () => {
    const tag = randomUUID().slice(0, 8);
    const emails = [];
    for (let i = 0; i < 7; i++) {
      const user = await testDb().user.create({
        data: { email: `find-${tag}-${i}@example.com`, name: i === 3 ? `Grace ${tag.toUpperCase()}` : null },
      });
      emails.push(user.email);
    }
    const pages: string[][] = [];
    let page = await listUsers({ search: tag.toUpperCase(), limit: 3, db: testDb() });
    pages.push(page.items.map((u) => u.email));
    expect(page.previousCursor).toBeNull();
    while (page.nextCursor) {
      page = await listUsers({ search: tag, cursor: page.nextCursor, limit: 3, db: testDb() });
      pages.push(page.items.map((u) => u.email));
    }
    expect(pages.flat()).toEqual(emails);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    const back = await listUsers({ search: tag, cursor: page.previousCursor, limit: 3, db: testDb() });
    expect(back.items.map((u) => u.email)).toEqual(pages[1]);

    const byName = await listUsers({ search: `grace ${tag}`, db: testDb() });
    expect(byName.items.map((u) => u.email)).toEqual([emails[3]]);
    const byId = await listUsers({
      search: (await testDb().user.findUniqueOrThrow({ where: { email: emails[5] as string } })).id,
      db: testDb(),
    });
    expect(byId.items.map((u) => u.email)).toEqual([emails[5]]);
  });

  it("shows a user's memberships, MFA, verification, disabled state and last sign-in, and nothing secret", async () => {
    const admin = await createPlatformAdmin();
    const user = await createTestUser();
    const slug = `detail-${randomUUID().slice(0, 8)}`;
    const org = await testDb().organization.create({ data: { slug, name: "Detail Org" } });
    await testDb().membership.create({ data: { userId: user.id, orgId: org.id, role: "ADMIN" } });
    const signedInAt = new Date("2026-04-01T10:00:00.000Z");
    await testDb().user.update({ where: { id: user.id }, data: { lastSignInAt: signedInAt } });
    await disableUser(actorOf(admin), user.id, testDb());

    const detail = await getUserDetail(user.id.toUpperCase(), testDb());
    expect(detail).toMatchObject({
      id: user.id,
      email: user.email,
      emailVerified: true,
      mfaEnabled: false,
      disabled: true,
      lastSignInAt: signedInAt.toISOString(),
      memberships: [{ org: { id: org.id, slug, name: "Detail Org" }, role: "ADMIN" }],
    });
    expect((await getUserDetail(admin.id, testDb())).mfaEnabled).toBe(true);
    const text = JSON.stringify(detail);
    for (const secret of ["passwordHash", "mfaSecret", "sessionVersion", "argon2"])
      expect(text).not.toContain(secret);
  });

  it("searches organizations by slug or name, with their member counts", async () => {
    const tag = randomUUID().slice(0, 8);
    const org = await testDb().organization.create({
      data: { slug: `shop-${tag}`, name: `Corner Shop ${tag}` },
    });
    await testDb().organization.create({ data: { slug: `other-${tag}`, name: "Other" } });
    for (let i = 0; i < 2; i++) {
      await testDb().membership.create({ data: { userId: (await createTestUser()).id, orgId: org.id } });
    }
    const bySlug = await listOrganizations({ search: `SHOP-${tag}`, db: testDb() });
    expect(bySlug.items).toEqual([
      expect.objectContaining({ id: org.id, slug: `shop-${tag}`, members: 2, requireMfa: false }),
    ]);
    expect((await listOrganizations({ search: `corner shop ${tag}`, db: testDb() })).items).toHaveLength(1);
    expect((await listOrganizations({ search: tag, db: testDb() })).items.map((o) => o.slug)).toEqual([
      `other-${tag}`,
      `shop-${tag}`,
    ]);
  });

  it("takes % and _ in a search literally", async () => {
    const tag = randomUUID().slice(0, 8);
    const literal = await testDb().user.create({ data: { email: `under_${tag}@example.com` } });
    await testDb().user.create({ data: { email: `underX${tag}@example.com` } });
    expect((await listUsers({ search: `under_${tag}`, db: testDb() })).items.map((u) => u.id)).toEqual([
      literal.id,
    ]);
    expect((await listUsers({ search: `%${tag}`, db: testDb() })).items).toEqual([]);
    await testDb().organization.create({ data: { slug: `shop-${tag}`, name: `Shop-${tag}` } });
    expect((await listOrganizations({ search: `-${tag}`, db: testDb() })).items).toHaveLength(1);
    expect((await listOrganizations({ search: `_${tag}`, db: testDb() })).items).toEqual([]);
  });

  it("refuses a damaged page link or an overlong search with a 400", async () => {
    for (const options of [
      { cursor: "%%%" },
      { cursor: Buffer.from("x:abc").toString("base64url") },
      { search: "a".repeat(201) },
    ]) {
      const error = await thrown(listUsers({ ...options, db: testDb() }));
      expect(error).toBeInstanceOf(InvalidAdminQueryError);
      expect(error).toMatchObject({ status: 400, code: "invalid_input" });
    }
  });
});
