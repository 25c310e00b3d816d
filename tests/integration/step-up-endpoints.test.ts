// Step-up end to end: the real server actions and route handlers, with real session cookies whose
// last re-authentication (authAt) is 11 minutes old. Changes to ownership, billing and the
// account's security refuse them with 403 `step_up_required`, and nothing changes; ordinary changes
// don't ask. Where a change asks only sometimes, a fresh session then makes it, so the refusal is
// the step-up and not something else.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { openPortalAction, startCheckoutAction } from "@/app/(app)/[org]/billing/actions";
import {
  changeRoleAction,
  inviteAction,
  removeMemberAction,
  transferOwnershipAction,
} from "@/app/(app)/[org]/members/actions";
import { deleteOrganizationAction } from "@/app/(app)/[org]/settings/actions";
import { requestAccountDeletionAction } from "@/app/(app)/account/deletion/actions";
import { disableMfaAction } from "@/app/(app)/account/mfa/actions";
import { POST as inviteRoute } from "@/app/api/orgs/[org]/invitations/route";
import {
  PATCH as changeRoleRoute,
  DELETE as removeRoute,
} from "@/app/api/orgs/[org]/members/[membershipId]/route";
import { POST as transferRoute } from "@/app/api/orgs/[org]/members/transfer/route";
import { DELETE as deleteOrgRoute } from "@/app/api/orgs/[org]/route";
import type { OrgRole } from "@/lib/authz";
import { type ActionOutcome, submitAction } from "../support/actions";
import { createOrgWithOwner, fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

const ELEVEN_MINUTES_AGO = () => Date.now() - 11 * 60_000;
const staleCookie = (userId: string, claims = {}) =>
  sessionCookieFor(userId, { authAt: ELEVEN_MINUTES_AGO(), ...claims });
const freshCookie = (userId: string, claims = {}) =>
  sessionCookieFor(userId, { authAt: Date.now(), ...claims });

/** An action's or a route's answer, reduced to its error code: null when the change went through. */
type Answer = { code: string | null };

function answerOfAction(outcome: ActionOutcome): Answer {
  return { code: outcome.status === "error" ? outcome.code : null };
}

async function answerOfRoute(response: Response): Promise<Answer> {
  if (response.ok) return { code: null };
  return { code: (await response.json()).error.code };
}

const orgParams = (org: string, more: Record<string, string> = {}) => ({
  params: Promise.resolve({ org, ...more }),
});

/** The member endpoints, through the members page's forms or through the API. */
const via = {
  form: {
    changeRole: async (cookie: string, org: string, membershipId: string, role: OrgRole) =>
      answerOfAction(await submitAction(changeRoleAction, { org, membershipId, role }, { cookie })),
    remove: async (cookie: string, org: string, membershipId: string) =>
      answerOfAction(await submitAction(removeMemberAction, { org, membershipId }, { cookie })),
    invite: async (cookie: string, org: string, email: string, role: OrgRole) =>
      answerOfAction(await submitAction(inviteAction, { org, email, role }, { cookie })),
  },
  api: {
    changeRole: async (cookie: string, org: string, membershipId: string, role: OrgRole) =>
      answerOfRoute(
        await changeRoleRoute(
          appRequest(`/api/orgs/${org}/members/${membershipId}`, {
            method: "PATCH",
            cookie,
            body: { role },
            ip: freshIp(),
          }),
          orgParams(org, { membershipId }),
        ),
      ),
    remove: async (cookie: string, org: string, membershipId: string) =>
      answerOfRoute(
        await removeRoute(
          appRequest(`/api/orgs/${org}/members/${membershipId}`, { method: "DELETE", cookie, ip: freshIp() }),
          orgParams(org, { membershipId }),
        ),
      ),
    invite: async (cookie: string, org: string, email: string, role: OrgRole) =>
      answerOfRoute(
        await inviteRoute(
          appRequest(`/api/orgs/${org}/invitations`, { cookie, body: { email, role }, ip: freshIp() }),
          orgParams(org),
        ),
      ),
  },
};

const roleOf = async (membershipId: string) =>
  (await testDb().membership.findUnique({ where: { id: membershipId } }))?.role ?? null;

describe.each(["form", "api"] as const)("changes that touch the Owner role, through the %s", (path) => {
  const endpoints = via[path];

  it("asks a stale session to re-authenticate before making a member an owner", async () => {
    const { org, owner, member } = await createTestOrg();
    const stale = await endpoints.changeRole(
      await staleCookie(owner().userId),
      org.slug,
      member().membershipId,
      "OWNER",
    );
    expect(stale).toEqual({ code: "step_up_required" });
    expect(await roleOf(member().membershipId)).toBe("MEMBER");

    const fresh = await endpoints.changeRole(
      await freshCookie(owner().userId),
      org.slug,
      member().membershipId,
      "OWNER",
    );
    expect(fresh).toEqual({ code: null });
    expect(await roleOf(member().membershipId)).toBe("OWNER");
  });

  it("asks a stale session to re-authenticate before demoting an owner", async () => {
    const { org, members } = await createTestOrg(["OWNER", "OWNER"]);
    const [me, otherOwner] = members as [(typeof members)[0], (typeof members)[0]];
    const stale = await endpoints.changeRole(
      await staleCookie(me.userId),
      org.slug,
      otherOwner.membershipId,
      "ADMIN",
    );
    expect(stale).toEqual({ code: "step_up_required" });
    expect(await roleOf(otherOwner.membershipId)).toBe("OWNER");

    const fresh = await endpoints.changeRole(
      await freshCookie(me.userId),
      org.slug,
      otherOwner.membershipId,
      "ADMIN",
    );
    expect(fresh).toEqual({ code: null });
    expect(await roleOf(otherOwner.membershipId)).toBe("ADMIN");
  });

  it("asks a stale session to re-authenticate before removing an owner", async () => {
    const { org, members } = await createTestOrg(["OWNER", "OWNER"]);
    const [me, otherOwner] = members as [(typeof members)[0], (typeof members)[0]];
    const stale = await endpoints.remove(await staleCookie(me.userId), org.slug, otherOwner.membershipId);
    expect(stale).toEqual({ code: "step_up_required" });
    expect(await roleOf(otherOwner.membershipId)).toBe("OWNER");

    const fresh = await endpoints.remove(await freshCookie(me.userId), org.slug, otherOwner.membershipId);
    expect(fresh).toEqual({ code: null });
    expect(await roleOf(otherOwner.membershipId)).toBeNull();
  });

  it("asks a stale session to re-authenticate before inviting an owner", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    const email = `future-owner-${Date.now()}@example.com`;
    const stale = await endpoints.invite(await staleCookie(owner().userId), org.slug, email, "OWNER");
    expect(stale).toEqual({ code: "step_up_required" });
    expect(await testDb().invitation.count({ where: { orgId: org.id } })).toBe(0);

    const fresh = await endpoints.invite(await freshCookie(owner().userId), org.slug, email, "OWNER");
    expect(fresh).toEqual({ code: null });
    expect(await testDb().invitation.findFirst({ where: { orgId: org.id } })).toMatchObject({
      email,
      role: "OWNER",
    });
  });

  it("doesn't ask for changes below Owner: promoting a member to admin, removing one, inviting one", async () => {
    const { org, owner, admin, member } = await createTestOrg();
    const cookie = await staleCookie(owner().userId);
    expect(await endpoints.changeRole(cookie, org.slug, member().membershipId, "ADMIN")).toEqual({
      code: null,
    });
    expect(await roleOf(member().membershipId)).toBe("ADMIN");
    expect(await endpoints.remove(cookie, org.slug, admin().membershipId)).toEqual({ code: null });
    expect(await roleOf(admin().membershipId)).toBeNull();
    expect(await endpoints.invite(cookie, org.slug, `helper-${Date.now()}@example.com`, "MEMBER")).toEqual({
      code: null,
    });
  });

  it("refuses by the policy first: an admin isn't asked to re-authenticate for a change they can't make", async () => {
    const { org, admin, member } = await createTestOrg();
    const refused = await endpoints.changeRole(
      await staleCookie(admin().userId),
      org.slug,
      member().membershipId,
      "OWNER",
    );
    expect(refused).toEqual({ code: "forbidden" });
  });
});

describe("the form's step-up refusal", () => {
  it("is the wrapper's answer (403 step_up_required) with a message that names the change", async () => {
    const { org, owner, member } = await createTestOrg();
    const outcome = await submitAction(
      changeRoleAction,
      { org: org.slug, membershipId: member().membershipId, role: "OWNER" },
      { cookie: await staleCookie(owner().userId) },
    );
    expect(outcome).toEqual({
      status: "error",
      code: "step_up_required",
      message: expect.stringMatching(/^Making someone an owner needs a recent sign-in\. Confirm it's you/),
    });
    const response = await changeRoleRoute(
      appRequest(`/api/orgs/${org.slug}/members/${member().membershipId}`, {
        method: "PATCH",
        cookie: await staleCookie(owner().userId),
        body: { role: "OWNER" },
      }),
      orgParams(org.slug, { membershipId: member().membershipId }),
    );
    expect(response.status).toBe(403);
  });
});

describe("endpoints that always need step-up refuse a stale session", () => {
  it("transferring ownership (form and API)", async () => {
    const { org, owner, member } = await createTestOrg();
    const cookie = await staleCookie(owner().userId);
    const form = await submitAction(
      transferOwnershipAction,
      { org: org.slug, membershipId: member().membershipId },
      { cookie },
    );
    expect(answerOfAction(form)).toEqual({ code: "step_up_required" });
    const api = await transferRoute(
      appRequest(`/api/orgs/${org.slug}/members/transfer`, {
        cookie,
        body: { membershipId: member().membershipId },
        ip: freshIp(),
      }),
      orgParams(org.slug),
    );
    expect(api.status).toBe(403);
    expect(await answerOfRoute(api)).toEqual({ code: "step_up_required" });
    expect(await roleOf(owner().membershipId)).toBe("OWNER");
    expect(await roleOf(member().membershipId)).toBe("MEMBER");
  });

  it("deleting the organization (form and API)", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    const cookie = await staleCookie(owner().userId);
    const form = await submitAction(
      deleteOrganizationAction,
      { org: org.slug, confirmation: org.slug },
      { cookie },
    );
    expect(answerOfAction(form)).toEqual({ code: "step_up_required" });
    const api = await deleteOrgRoute(
      appRequest(`/api/orgs/${org.slug}`, {
        method: "DELETE",
        cookie,
        body: { confirmation: org.slug },
        ip: freshIp(),
      }),
      orgParams(org.slug),
    );
    expect(await answerOfRoute(api)).toEqual({ code: "step_up_required" });
    expect(await testDb().organization.findUnique({ where: { id: org.id } })).not.toBeNull();
  });

  it("turning two-factor authentication off", async () => {
    const user = await createTestUser({ mfaEnabledAt: new Date() });
    const outcome = await submitAction(
      disableMfaAction,
      {},
      { cookie: await staleCookie(user.id, { mfa: "verified" }) },
    );
    expect(answerOfAction(outcome)).toEqual({ code: "step_up_required" });
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).mfaEnabledAt).not.toBeNull();
  });

  it("deleting the account", async () => {
    const user = await createTestUser();
    const outcome = await submitAction(
      requestAccountDeletionAction,
      { confirmation: "delete my account" },
      { cookie: await staleCookie(user.id) },
    );
    expect(answerOfAction(outcome)).toEqual({ code: "step_up_required" });
    expect(
      (await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).deletionRequestedAt,
    ).toBeNull();
  });
});

describe("billing: whoever checks out or opens the portal becomes the payer", () => {
  // Its hooks are this describe's: the fake Stripe and billing on, for these tests only.
  const fake = fakeStripeForThisFile();

  it("asks a stale session to re-authenticate before starting a checkout", async () => {
    const { org, owner } = await createOrgWithOwner();
    const checkout = async (cookie: string) =>
      submitAction(startCheckoutAction, { org: org.slug, plan: "pro", attempt: randomUUID() }, { cookie });

    expect(answerOfAction(await checkout(await staleCookie(owner.id)))).toEqual({ code: "step_up_required" });
    expect(fake.requests()).toEqual([]);

    expect(await checkout(await freshCookie(owner.id))).toEqual({
      status: "redirect",
      to: expect.stringMatching(new RegExp(`^${fake.url}/checkout/`)),
    });
  });

  it("asks a stale session to re-authenticate before opening the customer portal", async () => {
    const { org, owner } = await createOrgWithOwner();
    // The portal is for an organization that has a Stripe customer: its first checkout made one.
    await submitAction(
      startCheckoutAction,
      { org: org.slug, plan: "pro", attempt: randomUUID() },
      { cookie: await freshCookie(owner.id) },
    );
    const portal = async (cookie: string) =>
      submitAction(openPortalAction, { org: org.slug, attempt: randomUUID() }, { cookie });

    expect(answerOfAction(await portal(await staleCookie(owner.id)))).toEqual({ code: "step_up_required" });
    expect(fake.requestsTo("POST /v1/billing_portal/sessions")).toEqual([]);

    expect(await portal(await freshCookie(owner.id))).toEqual({
      status: "redirect",
      to: expect.stringMatching(new RegExp(`^${fake.url}/portal/`)),
    });
  });
});
