import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashToken } from "@/lib/auth";
import { listDevMail } from "@/lib/mail";
import {
  acceptInvitation,
  createInvitation,
  INVITATION_TTL_MS,
  listPendingInvitations,
  previewInvitation,
  resendInvitation,
  revokeInvitation,
} from "@/lib/orgs";
import { testDb } from "../support/db";
import { createTestOrg, rejectionOf } from "../support/orgs";
import { createTestUser } from "../support/users";

/** The token of the newest invitation mailed to `email`, read from the dev mailbox like a person would. */
async function invitationToken(email: string): Promise<string> {
  const [mail] = (await listDevMail()).filter((message) => message.to === email);
  const token = mail?.text.match(/\/invitations\/([A-Za-z0-9_-]{43})/)?.[1];
  if (!token) throw new Error(`no invitation mail for ${email}`);
  return token;
}

/** A verified user with an address nobody else has, to invite. */
async function invitee() {
  const user = await createTestUser({ passwordHash: null });
  return { userId: user.id, email: user.email };
}

/** Moves an invitation's last send back in time, as if `ms` had passed. */
async function age(invitationId: string, ms: number) {
  const invitation = await testDb().invitation.findUniqueOrThrow({ where: { id: invitationId } });
  await testDb().invitation.update({
    where: { id: invitationId },
    data: { expiresAt: new Date(invitation.expiresAt.getTime() - ms), createdAt: new Date(Date.now() - ms) },
  });
}

describe("sending invitations", () => {
  it("stores only the token's hash, mails the link, expires in 7 days and records invitation.created", async () => {
    const { org, admin } = await createTestOrg();
    const person = await invitee();
    const before = Date.now();
    const { invitation, emailSent } = await createInvitation(admin().scope, {
      email: ` ${person.email.toUpperCase()} `,
      role: "ADMIN",
    });
    expect(emailSent).toBe(true);
    expect(invitation).toMatchObject({ email: person.email, role: "ADMIN", expired: false });
    const token = await invitationToken(person.email);
    const stored = await testDb().invitation.findUniqueOrThrow({
      where: { id: invitation.id },
      omit: { tokenHash: false },
    });
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(JSON.stringify(stored)).not.toContain(token);
    expect(stored.expiresAt.getTime() - before).toBeGreaterThanOrEqual(INVITATION_TTL_MS - 1000);
    expect(stored.expiresAt.getTime() - before).toBeLessThanOrEqual(INVITATION_TTL_MS + 60_000);
    const [mail] = (await listDevMail()).filter((message) => message.to === person.email);
    expect(mail?.subject).toContain("Test Org");
    expect(mail?.text).toContain("works for 7 days");
    const events = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "invitation.created" },
    });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events[0]?.metadata)).not.toContain(person.email);
    expect((await listPendingInvitations(admin().scope)).map((entry) => entry.id)).toEqual([invitation.id]);
  });

  it("lets owners invite owners, but not admins, and members not at all", async () => {
    const { owner, admin, member } = await createTestOrg();
    expect(
      await rejectionOf(createInvitation(admin().scope, { email: "boss@example.com", role: "OWNER" })),
    ).toMatchObject({
      status: 403,
      code: "forbidden",
    });
    expect(
      await rejectionOf(createInvitation(member().scope, { email: "friend@example.com" })),
    ).toMatchObject({
      status: 403,
    });
    expect((await listDevMail()).filter((mail) => /boss@|friend@/.test(mail.to))).toEqual([]);
    const person = await invitee();
    const { invitation } = await createInvitation(owner().scope, { email: person.email, role: "OWNER" });
    expect(invitation.role).toBe("OWNER");
  });

  it("refuses an address that is already a member or already invited", async () => {
    const { admin, member } = await createTestOrg();
    expect(await rejectionOf(createInvitation(admin().scope, { email: member().email }))).toMatchObject({
      status: 409,
      code: "already_member",
    });
    const person = await invitee();
    await createInvitation(admin().scope, { email: person.email });
    expect(await rejectionOf(createInvitation(admin().scope, { email: person.email }))).toMatchObject({
      status: 409,
      code: "invitation_pending",
    });
  });
});

describe("accepting invitations", () => {
  it("adds the invited, verified address with the invited role, once", async () => {
    const { org, admin } = await createTestOrg();
    const person = await invitee();
    await createInvitation(admin().scope, { email: person.email, role: "ADMIN" });
    const token = await invitationToken(person.email);

    expect(await previewInvitation(token, person.userId)).toMatchObject({
      state: "pending",
      organizationName: "Test Org",
      role: "ADMIN",
      viewer: "invitee",
    });
    const joined = await acceptInvitation({ userId: person.userId }, token);
    expect(joined).toEqual({ organizationSlug: org.slug, organizationName: "Test Org", role: "ADMIN" });
    const membership = await testDb().membership.findUniqueOrThrow({
      where: { userId_orgId: { userId: person.userId, orgId: org.id } },
    });
    expect(membership.role).toBe("ADMIN");
    const invitation = await testDb().invitation.findFirstOrThrow({
      where: { orgId: org.id, email: person.email },
    });
    expect(invitation.acceptedAt).not.toBeNull();
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "invitation.accepted" } })).toBe(
      1,
    );

    const again = await rejectionOf(acceptInvitation({ userId: person.userId }, token));
    expect(again).toMatchObject({ status: 410, code: "invitation_accepted" });
    expect(await listPendingInvitations(admin().scope)).toEqual([]);
  });

  it("refuses a signed-in user with another email, clearly, and records the attempt", async () => {
    const { org, admin } = await createTestOrg();
    const person = await invitee();
    const stranger = await invitee();
    await createInvitation(admin().scope, { email: person.email });
    const token = await invitationToken(person.email);
    expect((await previewInvitation(token, stranger.userId)).state === "pending").toBe(true);
    expect(await previewInvitation(token, stranger.userId)).toMatchObject({ viewer: "other_account" });

    const error = await rejectionOf(acceptInvitation({ userId: stranger.userId }, token));
    expect(error).toMatchObject({ status: 403, code: "wrong_account" });
    expect(error.message).toContain(stranger.email);
    expect(error.message).not.toContain(person.email);
    expect(await testDb().membership.count({ where: { orgId: org.id, userId: stranger.userId } })).toBe(0);
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "authz.denied" } })).toBe(1);
    // The invitation is still there for the right person.
    await acceptInvitation({ userId: person.userId }, token);
  });

  it("refuses the invited address until it is verified", async () => {
    const { admin } = await createTestOrg();
    const person = await invitee();
    await testDb().user.update({ where: { id: person.userId }, data: { emailVerifiedAt: null } });
    await createInvitation(admin().scope, { email: person.email });
    const token = await invitationToken(person.email);
    expect(await previewInvitation(token, person.userId)).toMatchObject({ viewer: "invitee_unverified" });
    expect(await rejectionOf(acceptInvitation({ userId: person.userId }, token))).toMatchObject({
      status: 403,
      code: "email_unverified",
    });
  });

  it("refuses an expired, a revoked and an unknown link", async () => {
    const { org, admin } = await createTestOrg();
    const late = await invitee();
    const { invitation: expiring } = await createInvitation(admin().scope, { email: late.email });
    const lateToken = await invitationToken(late.email);
    await age(expiring.id, INVITATION_TTL_MS + 1000);
    expect((await previewInvitation(lateToken, late.userId)).state).toBe("expired");
    expect(await rejectionOf(acceptInvitation({ userId: late.userId }, lateToken))).toMatchObject({
      status: 410,
      code: "invitation_expired",
    });

    const unwanted = await invitee();
    const { invitation: revoked } = await createInvitation(admin().scope, { email: unwanted.email });
    const revokedToken = await invitationToken(unwanted.email);
    await revokeInvitation(admin().scope, revoked.id);
    expect(await rejectionOf(acceptInvitation({ userId: unwanted.userId }, revokedToken))).toMatchObject({
      status: 410,
      code: "invitation_revoked",
    });
    expect(await rejectionOf(revokeInvitation(admin().scope, revoked.id))).toMatchObject({ status: 409 });

    expect(await rejectionOf(acceptInvitation({ userId: late.userId }, "x".repeat(43)))).toMatchObject({
      status: 404,
      code: "invitation_invalid",
    });
    expect(await testDb().membership.count({ where: { orgId: org.id } })).toBe(3);
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "invitation.revoked" } })).toBe(
      1,
    );
  });
});

describe("resending invitations", () => {
  it("is throttled, then issues a new link that kills the old one", async () => {
    const { org, admin } = await createTestOrg();
    const person = await invitee();
    const { invitation } = await createInvitation(admin().scope, { email: person.email });
    const oldToken = await invitationToken(person.email);

    const tooSoon = await rejectionOf(resendInvitation(admin().scope, invitation.id));
    expect(tooSoon).toMatchObject({ status: 429, code: "too_soon" });

    await age(invitation.id, 2 * 60_000);
    const { emailSent } = await resendInvitation(admin().scope, invitation.id);
    expect(emailSent).toBe(true);
    const newToken = await invitationToken(person.email);
    expect(newToken).not.toBe(oldToken);
    expect(await rejectionOf(acceptInvitation({ userId: person.userId }, oldToken))).toMatchObject({
      status: 404,
      code: "invitation_invalid",
    });
    await acceptInvitation({ userId: person.userId }, newToken);
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "invitation.resent" } })).toBe(
      1,
    );
  });

  it("renews an expired invitation, but an admin can't re-issue an owner's invitation", async () => {
    const { owner, admin } = await createTestOrg();
    const person = await invitee();
    const { invitation } = await createInvitation(owner().scope, { email: person.email, role: "OWNER" });
    await age(invitation.id, INVITATION_TTL_MS + 1000);
    expect((await listPendingInvitations(admin().scope))[0]).toMatchObject({
      id: invitation.id,
      expired: true,
    });
    expect(await rejectionOf(resendInvitation(admin().scope, invitation.id))).toMatchObject({ status: 403 });
    const { invitation: renewed } = await resendInvitation(owner().scope, invitation.id);
    expect(renewed.expired).toBe(false);
  });

  it("answers 404 for an invitation of another organization", async () => {
    const mine = await createTestOrg(["OWNER"]);
    const theirs = await createTestOrg(["OWNER"]);
    const { invitation } = await createInvitation(theirs.owner().scope, {
      email: `${randomUUID()}@example.com`,
    });
    for (const attempt of [
      () => revokeInvitation(mine.owner().scope, invitation.id),
      () => resendInvitation(mine.owner().scope, invitation.id),
    ]) {
      expect(await rejectionOf(attempt())).toMatchObject({ status: 404, code: "not_found" });
    }
    expect(await listPendingInvitations(mine.owner().scope)).toEqual([]);
    expect(
      (await testDb().invitation.findUniqueOrThrow({ where: { id: invitation.id } })).revokedAt,
    ).toBeNull();
  });
});
