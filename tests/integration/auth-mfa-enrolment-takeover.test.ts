// The account takeover through MFA enrolment (issue 11, docs/THREAT-MODEL.md): someone holding a
// session cookie whose last re-authentication is older than the step-up window, on an account
// without MFA, enrols their own authenticator and uses the confirmation as if it were a
// re-authentication, to change the password and transfer ownership. The rule (AGENTS.md, "Step-up"):
// only a credential the account already had counts as a re-authentication; adding a factor asks for
// step-up first and never refreshes authAt. Through the real server actions, as a browser posts them.
import { decode } from "next-auth/jwt";
import { generateSync } from "otplib";
import { describe, expect, it } from "vitest";
import { transferOwnershipAction } from "@/app/(app)/[org]/members/actions";
import { confirmMfaEnrolmentAction, startMfaEnrolmentAction } from "@/app/(app)/account/mfa/actions";
import { changePasswordAction } from "@/app/(app)/account/password/actions";
import {
  AuthFlowError,
  hashPassword,
  pendingEnrolment,
  readAuthConfig,
  sessionCookieName,
  startMfaEnrolment,
} from "@/lib/auth";
import { type ActionOutcome, submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { sessionCookieFor } from "../support/sessions";
import { TEST_PASSWORD } from "../support/users";

// The action answers with data (the recovery codes); submitAction takes any form action.
const confirmEnrolment = confirmMfaEnrolmentAction as unknown as Parameters<typeof submitAction>[0];
const ELEVEN_MINUTES_AGO = () => Date.now() - 11 * 60_000;
const NEW_PASSWORD = "the attacker's own long passphrase";

const codeOf = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) });
const errorCode = (outcome: ActionOutcome) => (outcome.status === "error" ? outcome.code : outcome.status);

/** The session cookie an action set, as the browser would send it back, or the one it had. */
function cookieAfter(setCookie: string[], before: string): string {
  const header = setCookie.find((value) => value.startsWith(`${sessionCookieName()}=`));
  return header?.split(";")[0] ?? before;
}

async function authAtOf(cookie: string): Promise<number> {
  const token = cookie.slice(cookie.indexOf("=") + 1);
  const claims = await decode({ token, secret: readAuthConfig(process.env).authSecret });
  return claims?.authAt as number;
}

/** An organization whose owner has a password and no MFA, and a session of the owner's that is 11 minutes past its last proof. */
async function ownerWithStaleSession() {
  const org = await createTestOrg(["OWNER", "ADMIN"]);
  const owner = org.owner();
  await testDb().user.update({
    where: { id: owner.userId },
    data: { passwordHash: await hashPassword(TEST_PASSWORD) },
  });
  const signedInAt = ELEVEN_MINUTES_AGO();
  const cookie = await sessionCookieFor(owner.userId, { signedInAt, authAt: signedInAt });
  return { ...org, owner, cookie };
}

/**
 * What the attacker does after enrolling: hand the organization to a member, then change the
 * password without the current one (last: it ends every session but this one).
 */
async function takeOver(cookie: string, org: { slug: string }, membershipId: string) {
  const transfer = await submitAction(transferOwnershipAction, { org: org.slug, membershipId }, { cookie });
  const password = await submitAction(changePasswordAction, { newPassword: NEW_PASSWORD }, { cookie });
  return { transfer: errorCode(transfer), password: errorCode(password) };
}

async function nothingChanged(ownerId: string, orgId: string, adminMembershipId: string) {
  const user = await testDb().user.findUniqueOrThrow({ where: { id: ownerId } });
  const admin = await testDb().membership.findUniqueOrThrow({ where: { id: adminMembershipId } });
  expect(user.mfaEnabledAt).toBeNull();
  expect(admin.role).toBe("ADMIN");
  expect(admin.orgId).toBe(orgId);
}

describe("MFA enrolment from a session past the step-up window", () => {
  it("can't start: starting enrolment asks for step-up, and no secret is created", async () => {
    const { org, owner, admin, cookie } = await ownerWithStaleSession();
    expect(errorCode(await submitAction(startMfaEnrolmentAction, {}, { cookie }))).toBe("step_up_required");
    const user = await testDb().user.findUniqueOrThrow({
      where: { id: owner.userId },
      omit: { mfaSecretEncrypted: false },
    });
    expect(user.mfaSecretEncrypted).toBeNull();
    await nothingChanged(owner.userId, org.id, admin().membershipId);
  });

  it("can't read or confirm an enrolment the owner started earlier, so can't go on to change the password or ownership", async () => {
    const { org, owner, admin, cookie } = await ownerWithStaleSession();
    await startMfaEnrolment(owner.userId);
    // What /account/mfa shows: the secret only to a session that proved itself within the window.
    const staleRead = await pendingEnrolment(owner.userId, { authAt: ELEVEN_MINUTES_AGO() }).then(
      () => "shown",
      (error: unknown) => (error instanceof AuthFlowError ? error.code : error),
    );
    // The attacker got the secret some other way (it was on the owner's screen): the code still doesn't count.
    const pending = await pendingEnrolment(owner.userId, { authAt: Date.now() });
    let setCookie: string[] = [];
    const confirmed = await submitAction(
      confirmEnrolment,
      { code: codeOf(pending?.secret ?? "") },
      { cookie, onSetCookie: (sent) => (setCookie = sent) },
    );
    const after = cookieAfter(setCookie, cookie);
    expect({
      staleRead,
      confirm: errorCode(confirmed),
      ...(await takeOver(after, org, admin().membershipId)),
    }).toEqual({
      staleRead: "step_up_required",
      confirm: "step_up_required",
      transfer: "step_up_required",
      // Without a recent re-authentication, a password change asks for the current password.
      password: "current_password_required",
    });
    await nothingChanged(owner.userId, org.id, admin().membershipId);
  });
});

describe("MFA enrolment from a session within the step-up window", () => {
  it("turns MFA on but keeps the session's authAt: the new factor is not a re-authentication", async () => {
    const { owner } = await ownerWithStaleSession();
    const authAt = Date.now() - 9 * 60_000;
    const cookie = await sessionCookieFor(owner.userId, { signedInAt: authAt, authAt });
    let setCookie: string[] = [];
    expect((await submitAction(startMfaEnrolmentAction, {}, { cookie })).status).toBe("redirect");
    const pending = await pendingEnrolment(owner.userId, { authAt });
    const confirmed = await submitAction(
      confirmEnrolment,
      { code: codeOf(pending?.secret ?? "") },
      { cookie, onSetCookie: (sent) => (setCookie = sent) },
    );
    expect(confirmed.status).toBe("ok");
    const after = cookieAfter(setCookie, cookie);
    expect(after).not.toBe(cookie);
    expect(await authAtOf(after)).toBe(authAt);
  });
});
