// The per-process caches that keep the route guard cheap (bench/guard-overhead.ts): a session's
// decrypted token and user row (lib/auth, SESSION_CHECK_CACHE_MS) and a found membership (lib/authz,
// MEMBERSHIP_CACHE_MS).
// What a person would notice: a change they make applies to their very next request on this
// instance, and a change made elsewhere (another instance, a database shell) within the window.
import { encode } from "next-auth/jwt";
import { describe, expect, inject, it, vi } from "vitest";
import { GET as getOrganization } from "@/app/api/orgs/[org]/route";
import {
  checkSession,
  currentUserFromRequest,
  readAuthConfig,
  resendVerificationEmail,
  revokeAllSessions,
  SESSION_CHECK_CACHE_MS,
  sessionCookieName,
  startSession,
  verifyEmail,
} from "@/lib/auth";
import { findMembership, MEMBERSHIP_CACHE_MS } from "@/lib/authz";
import { changeMemberRole, removeMember, updateOrganization } from "@/lib/orgs";
import { cancelAccountDeletion, requestAccountDeletion } from "@/lib/privacy";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { createTestUser, freshIp } from "../support/users";

const embeddedDatabase = inject("testDatabase").kind === "embedded";

async function orgRead(slug: string, cookie: string) {
  const response = await getOrganization(appRequest(`/api/orgs/${slug}`, { cookie, ip: freshIp() }), {
    params: Promise.resolve({ org: slug }),
  });
  return { status: response.status, body: await response.json() };
}

describe("the cached membership", () => {
  it("drops on a change made through lib/orgs: the next request sees the new role, or 404 once removed", async () => {
    const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
    const cookie = await sessionCookieFor(member().userId);
    expect(await orgRead(org.slug, cookie)).toMatchObject({ status: 200, body: { role: "MEMBER" } });

    await changeMemberRole(owner().scope, member().membershipId, "ADMIN");
    expect(await orgRead(org.slug, cookie)).toMatchObject({ status: 200, body: { role: "ADMIN" } });

    await removeMember(owner().scope, member().membershipId);
    expect((await orgRead(org.slug, cookie)).status).toBe(404);
  });

  it("picks up a change made elsewhere (a database shell, another instance) once the window has passed", async () => {
    const { org, member } = await createTestOrg(["OWNER", "MEMBER"]);
    const now = Date.now();
    expect(await findMembership(testDb(), member().userId, org.slug, now)).toMatchObject({ role: "MEMBER" });
    await testDb().membership.update({ where: { id: member().membershipId }, data: { role: "ADMIN" } });

    // Within the window, this process still answers from memory...
    expect(await findMembership(testDb(), member().userId, org.slug, now + 1_000)).toMatchObject({
      role: "MEMBER",
    });
    // ...and after it, from the database.
    expect(
      await findMembership(testDb(), member().userId, org.slug, now + MEMBERSHIP_CACHE_MS + 1),
    ).toMatchObject({ role: "ADMIN" });
  });

  it("never keeps a 'not a member' answer: someone who just joined gets in at once", async () => {
    const { org } = await createTestOrg(["OWNER"]);
    const joiner = await createTestUser();
    expect(await findMembership(testDb(), joiner.id, org.slug)).toBeNull();
    await testDb().membership.create({ data: { orgId: org.id, userId: joiner.id, role: "MEMBER" } });
    expect(await findMembership(testDb(), joiner.id, org.slug)).toMatchObject({ role: "MEMBER" });
  });

  it("carries a new requireMfa setting to the next request of every member", async () => {
    const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
    await testDb().user.update({ where: { id: owner().userId }, data: { mfaEnabledAt: new Date() } });
    const cookie = await sessionCookieFor(member().userId);
    expect((await orgRead(org.slug, cookie)).status).toBe(200);
    await updateOrganization(owner().scope, { requireMfa: true });
    // The member has no MFA: the organization is closed to them from now on.
    expect((await orgRead(org.slug, cookie)).status).toBe(403);
  });
});

describe("the cached user row of a session", () => {
  it("shows a just-verified address on the very next request", async () => {
    const user = await createTestUser({ emailVerifiedAt: null });
    const request = async () =>
      currentUserFromRequest(appRequest("/x", { cookie: await sessionCookieFor(user.id) }));
    expect(await request()).toMatchObject({ emailVerified: false });

    await (await resendVerificationEmail({ userId: user.id, ip: freshIp() })).background;
    await verifyEmail(linkToken((await mailTo(user.email))[0], "/verify-email"), { ip: freshIp() });
    expect(await request()).toMatchObject({ emailVerified: true });
  });

  it("shows a cancelled deletion on the very next request", async () => {
    const user = await createTestUser();
    await requestAccountDeletion(user.id);
    // The request revoked every session: sign in again, as the person would.
    const cookie = await sessionCookieFor(user.id);
    expect(await currentUserFromRequest(appRequest("/x", { cookie }))).toMatchObject({
      deletionPending: true,
    });
    await cancelAccountDeletion(user.id);
    expect(await currentUserFromRequest(appRequest("/x", { cookie }))).toMatchObject({
      deletionPending: false,
    });
  });

  it("applies a revocation made elsewhere once the window has passed", async () => {
    const user = await createTestUser();
    const claims = await startSession(testDb(), user.id);
    const now = Date.now();
    await checkSession(testDb(), claims, { maxAgeSeconds: 3600, now });
    // Another instance signs the user out everywhere: this one's cache doesn't know yet.
    await testDb().user.update({ where: { id: user.id }, data: { sessionVersion: { increment: 1 } } });
    await checkSession(testDb(), claims, { maxAgeSeconds: 3600, now: now + 1_000 });
    await expect(
      checkSession(testDb(), claims, { maxAgeSeconds: 3600, now: now + SESSION_CHECK_CACHE_MS + 1 }),
    ).rejects.toMatchObject({ reason: "revoked" });
  });

  it.skipIf(embeddedDatabase)(
    "refuses a revoked session from the commit on, even after a request read the user between the revocation and its commit (skipped on embedded PGlite: it runs one transaction at a time, and this needs a read beside an open one)",
    async () => {
      const user = await createTestUser();
      const claims = await startSession(testDb(), user.id);
      const limits = { maxAgeSeconds: 3600 };
      await checkSession(testDb(), claims, limits);

      await testDb().$transaction(async (tx) => {
        await revokeAllSessions(tx, user.id);
        // A request on this instance before the commit still sees the old version, and is let in.
        await checkSession(testDb(), claims, limits);
      });
      // From the commit on, the session is refused here at once, not only once the cache window passed.
      await expect(checkSession(testDb(), claims, limits)).rejects.toMatchObject({ reason: "revoked" });
      // A session started after the revocation works, and is cached again.
      const fresh = await startSession(testDb(), user.id);
      expect(await checkSession(testDb(), fresh, limits)).toEqual(fresh);
    },
  );

  it("keeps the sessions of a change that rolled back", async () => {
    const user = await createTestUser();
    const claims = await startSession(testDb(), user.id);
    const limits = { maxAgeSeconds: 3600 };
    const failure = new Error("the change failed after revoking");
    await expect(
      testDb().$transaction(async (tx) => {
        await revokeAllSessions(tx, user.id);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await checkSession(testDb(), claims, limits)).toEqual(claims);
  });

  it("refuses a token past its expiry even though its decryption was kept", async () => {
    const user = await createTestUser();
    const token = await encode({
      token: await startSession(testDb(), user.id),
      secret: readAuthConfig(process.env).authSecret,
      maxAge: 1,
    });
    const request = () =>
      currentUserFromRequest(appRequest("/x", { cookie: `${sessionCookieName()}=${token}` }));
    expect(await request()).toMatchObject({ id: user.id });
    // 1.1 s later by the clock both the cache and jose read (Date), without waiting for it.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 1_100 });
    try {
      expect(await request()).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });
});
