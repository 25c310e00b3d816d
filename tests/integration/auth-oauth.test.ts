import { randomUUID } from "node:crypto";
import type { Account } from "next-auth";
import { describe, expect, it } from "vitest";
import {
  authOptions,
  checkSession,
  githubIdentity,
  googleIdentity,
  hashPassword,
  linkOAuthIdentity,
  type OAuthIdentity,
  SessionRevokedError,
  startSession,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { createTestUser } from "../support/users";

// The account-linking rules of OAuth sign-in, on PostgreSQL. GitHub and Google themselves can't be
// reached from here: the tests start from the profile each provider hands next-auth.

const email = () => `oauth-${randomUUID()}@example.com`;
const google = (overrides: Partial<Parameters<typeof googleIdentity>[0]> = {}) =>
  googleIdentity({ sub: randomUUID(), email: email(), email_verified: true, name: "Ada", ...overrides });

const linksOf = (userId: string) =>
  testDb().oAuthAccount.findMany({ where: { userId }, select: { provider: true, providerAccountId: true } });

describe("OAuth account linking", () => {
  it("creates a verified, password-less account for a new verified email, then signs in to it", async () => {
    const identity = google({ name: "Grace Hopper" });
    const first = await linkOAuthIdentity(testDb(), identity);
    expect(first).toMatchObject({ ok: true, via: "created" });
    const userId = (first as { userId: string }).userId;
    const user = await testDb().user.findUniqueOrThrow({
      where: { id: userId },
      omit: { passwordHash: false },
    });
    expect(user).toMatchObject({ email: identity.verifiedEmail, name: "Grace Hopper", passwordHash: null });
    expect(user.emailVerifiedAt).not.toBeNull();
    expect(await linksOf(userId)).toEqual([
      { provider: "google", providerAccountId: identity.providerAccountId },
    ]);

    expect(await linkOAuthIdentity(testDb(), identity)).toEqual({ ok: true, userId, via: "existing" });
  });

  it("links to the existing account with the same verified email, whatever its case", async () => {
    const user = await createTestUser();
    const identity = githubIdentity({
      id: 4242_0000 + Math.floor(Math.random() * 9999),
      login: "octo",
      emails: [
        { email: "old@example.org", primary: false, verified: true },
        { email: user.email.toUpperCase(), primary: true, verified: true },
      ],
    });
    expect(identity.verifiedEmail).toBe(user.email.toUpperCase());
    expect(await linkOAuthIdentity(testDb(), identity)).toEqual({ ok: true, userId: user.id, via: "linked" });
    expect(await linksOf(user.id)).toHaveLength(1);
    // The password the user already had still works: linking took nothing away from a verified account.
    const row = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(row.passwordHash).toBe(user.passwordHash);
  });

  it("links or creates nothing without an address the provider has verified", async () => {
    const victim = await createTestUser();
    const unverifiedGoogle = google({ email: victim.email, email_verified: false });
    const githubPrimaryUnverified = githubIdentity({
      id: randomUUID(),
      emails: [
        { email: victim.email, primary: true, verified: false },
        { email: email(), primary: false, verified: true },
      ],
    });
    for (const identity of [unverifiedGoogle, githubPrimaryUnverified]) {
      expect(identity.verifiedEmail).toBeNull();
      expect(await linkOAuthIdentity(testDb(), identity)).toEqual({ ok: false, reason: "email_unverified" });
    }
    expect(await linksOf(victim.id)).toEqual([]);
    expect(
      await testDb().oAuthAccount.count({ where: { providerAccountId: unverifiedGoogle.providerAccountId } }),
    ).toBe(0);
  });

  it("takes over an unverified sign-up only by dropping what was set up without the address (pre-hijacking)", async () => {
    // Someone signed up with the victim's address and a password of their choosing, never verified.
    const squatted = await testDb().user.create({
      data: { email: email(), passwordHash: await hashPassword("the squatter's own password") },
    });
    const squatterSession = await startSession(testDb(), squatted.id);
    await testDb().recoveryCode.create({ data: { userId: squatted.id, codeHash: "$argon2id$squatter" } });

    const result = await linkOAuthIdentity(testDb(), google({ email: squatted.email }));
    expect(result).toEqual({ ok: true, userId: squatted.id, via: "linked" });
    const row = await testDb().user.findUniqueOrThrow({
      where: { id: squatted.id },
      omit: { passwordHash: false, mfaSecretEncrypted: false },
    });
    expect(row).toMatchObject({ passwordHash: null, mfaSecretEncrypted: null, mfaEnabledAt: null });
    expect(row.emailVerifiedAt).not.toBeNull();
    expect(await testDb().recoveryCode.count({ where: { userId: squatted.id } })).toBe(0);
    await expect(checkSession(testDb(), squatterSession, { maxAgeSeconds: 86_400 })).rejects.toThrow(
      SessionRevokedError,
    );
  });

  it("refuses a disabled or locked account, by email and by an earlier link", async () => {
    const disabled = await createTestUser({ disabledAt: new Date() });
    expect(await linkOAuthIdentity(testDb(), google({ email: disabled.email }))).toEqual({
      ok: false,
      reason: "account_unavailable",
      userId: disabled.id,
    });
    expect(await linksOf(disabled.id)).toEqual([]);

    const locked = await createTestUser();
    const identity = google({ email: locked.email });
    expect(await linkOAuthIdentity(testDb(), identity)).toMatchObject({ ok: true, via: "linked" });
    await testDb().user.update({
      where: { id: locked.id },
      data: { lockedUntil: new Date(Date.now() + 60_000) },
    });
    expect(await linkOAuthIdentity(testDb(), identity)).toMatchObject({
      ok: false,
      reason: "account_unavailable",
    });
    // The lock ends by itself.
    expect(await linkOAuthIdentity(testDb(), identity, new Date(Date.now() + 120_000))).toMatchObject({
      ok: true,
    });
  });

  it("links one identity once when two sign-ins race", async () => {
    const identity: OAuthIdentity = google();
    const results = await Promise.all([
      linkOAuthIdentity(testDb(), identity),
      linkOAuthIdentity(testDb(), identity),
    ]);
    const ids = results.map((r) => (r.ok ? r.userId : null));
    expect(ids[0]).not.toBeNull();
    expect(ids[1]).toBe(ids[0]);
    expect(await testDb().user.count({ where: { email: identity.verifiedEmail as string } })).toBe(1);
  });
});

describe("OAuth sign-in through next-auth's callbacks", () => {
  const googleAccount = (sub: string): Account => ({
    type: "oauth",
    provider: "google",
    providerAccountId: sub,
  });

  it("starts an MFA-pending session for a user with MFA on, with our user id and nothing else", async () => {
    const user = await createTestUser();
    await testDb().user.update({ where: { id: user.id }, data: { mfaEnabledAt: new Date() } });
    const sub = randomUUID();
    const profile = { sub, email: user.email, email_verified: true, name: "With MFA" };
    const { callbacks } = authOptions();

    const allowed = await callbacks?.signIn?.({ user: { id: sub }, account: googleAccount(sub), profile });
    expect(allowed).toBe(true);
    const token = await callbacks?.jwt?.({
      token: { name: "With MFA", email: user.email, sub },
      user: { id: sub },
      account: googleAccount(sub),
      profile,
    });
    expect(token).toMatchObject({ sub: user.id, uid: user.id, mfa: "pending" });
    // Only ids, versions and times in the cookie: next-auth's default name and email are dropped.
    expect(token).not.toHaveProperty("email");
    expect(token).not.toHaveProperty("name");

    const succeeded = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.sign_in.succeeded" },
      select: { metadata: true },
    });
    expect(succeeded.map((e) => e.metadata)).toEqual([
      { method: "oauth", provider: "google", via: "linked" },
    ]);
    const row = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.lastSignInAt).not.toBeNull();
  });

  it("sends a refused sign-in back to the sign-in page with a reason, and records it", async () => {
    const disabled = await createTestUser({ disabledAt: new Date() });
    const { callbacks } = authOptions();
    const refused = async (profile: Record<string, unknown>) =>
      callbacks?.signIn?.({
        user: { id: String(profile.sub) },
        account: googleAccount(String(profile.sub)),
        profile,
      });

    expect(await refused({ sub: randomUUID(), email: email(), email_verified: false })).toMatch(
      /\/sign-in\?error=OAuthEmailUnverified$/,
    );
    expect(await refused({ sub: randomUUID(), email: disabled.email, email_verified: true })).toMatch(
      /\/sign-in\?error=OAuthRefused$/,
    );
    const failed = await testDb().auditEvent.findMany({
      where: { targetId: disabled.id, action: "auth.sign_in.failed" },
      select: { metadata: true },
    });
    expect(failed.map((e) => e.metadata)).toEqual([
      { method: "oauth", provider: "google", detail: "account_unavailable" },
    ]);
  });
});
