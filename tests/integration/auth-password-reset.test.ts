import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AuthFlowError,
  checkSession,
  hashToken,
  isPasswordResetTokenUsable,
  PASSWORD_RESET_TOKEN_TTL_MS,
  requestPasswordReset,
  resetPassword,
  SessionRevokedError,
  signInWithPassword,
  startSession,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { createTestUser, freshIp, lockOutBySignInFailures, TEST_PASSWORD } from "../support/users";

const NEW_PASSWORD = "copper meadow thistle harbour";
const sessionLimits = { maxAgeSeconds: 30 * 86_400 };

async function refusal(promise: Promise<unknown>): Promise<AuthFlowError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AuthFlowError)) throw new Error(`expected an AuthFlowError, got ${String(error)}`);
  return error;
}

async function requestLink(email: string): Promise<string> {
  await (await requestPasswordReset({ email, ip: freshIp() })).background;
  return linkToken((await mailTo(email))[0], "/reset-password");
}

describe("password reset request", () => {
  it("emails a 30-minute link to a known address, storing only the token's hash", async () => {
    const user = await createTestUser();
    const before = Date.now();
    const token = await requestLink(user.email);

    const [mail] = await mailTo(user.email);
    expect(mail?.subject).toMatch(/reset your .* password/i);
    const stored = await testDb().authToken.findFirstOrThrow({
      omit: { tokenHash: false },
      where: { userId: user.id, purpose: "PASSWORD_RESET" },
    });
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(stored.expiresAt.getTime()).toBeGreaterThanOrEqual(before + PASSWORD_RESET_TOKEN_TTL_MS - 1000);
    expect(stored.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + PASSWORD_RESET_TOKEN_TTL_MS);
    expect(await isPasswordResetTokenUsable(token)).toBe(true);
    const event = await testDb().auditEvent.findFirstOrThrow({
      where: { action: "auth.password_reset.requested", targetId: user.id },
    });
    expect(event.metadata).toMatchObject({ outcome: "link_sent" });
  });

  it("answers the same for an unknown address and sends nothing", async () => {
    const known = await createTestUser();
    const unknown = `nobody-${randomUUID()}@example.com`;
    const answers = await Promise.all(
      [known.email, unknown].map(async (email) => {
        const result = await requestPasswordReset({ email, ip: freshIp() });
        await result.background;
        return Object.keys(result);
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(await mailTo(unknown)).toEqual([]);
    expect(await mailTo(known.email)).toHaveLength(1);
  });

  it("kills the older link when a new one is issued", async () => {
    const user = await createTestUser();
    const first = await requestLink(user.email);
    const second = await requestLink(user.email);
    expect(second).not.toBe(first);
    expect(await isPasswordResetTokenUsable(first)).toBe(false);
    expect((await refusal(resetPassword({ token: first, password: NEW_PASSWORD, ip: freshIp() }))).code).toBe(
      "invalid_link",
    );
    await resetPassword({ token: second, password: NEW_PASSWORD, ip: freshIp() });
  });

  it("limits requests per address (password-reset-account) whatever the IP, known or not", async () => {
    for (const email of [(await createTestUser()).email, `nobody-${randomUUID()}@example.com`]) {
      for (let i = 0; i < 3; i++) await (await requestPasswordReset({ email, ip: freshIp() })).background;
      const error = await refusal(requestPasswordReset({ email, ip: freshIp() }));
      expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    }
  });

  it("limits requests per IP (password-reset-ip)", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++) {
      await (await requestPasswordReset({ email: `x-${randomUUID()}@example.com`, ip })).background;
    }
    const error = await refusal(requestPasswordReset({ email: `x-${randomUUID()}@example.com`, ip }));
    expect(error.code).toBe("rate_limited");
  });

  it("sends nothing for a disabled account", async () => {
    const user = await createTestUser({ disabledAt: new Date() });
    await (await requestPasswordReset({ email: user.email, ip: freshIp() })).background;
    expect(await mailTo(user.email)).toEqual([]);
  });
});

describe("completing a reset", () => {
  it("sets the password, revokes every session, clears the lockout, emails a notice, and works once", async () => {
    const user = await createTestUser();
    await testDb().user.update({
      where: { id: user.id },
      data: { lockedUntil: new Date(Date.now() + 600_000), failedSignInCount: 10 },
    });
    const oldSession = await startSession(testDb(), user.id);
    await checkSession(testDb(), oldSession, sessionLimits);
    const token = await requestLink(user.email);

    const result = await resetPassword({ token, password: NEW_PASSWORD, ip: freshIp() });
    await result.background;
    expect(result.userId).toBe(user.id);

    // The session that predates the reset is rejected.
    await expect(checkSession(testDb(), oldSession, sessionLimits)).rejects.toEqual(
      new SessionRevokedError("revoked"),
    );
    const after = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after).toMatchObject({
      lockedUntil: null,
      failedSignInCount: 0,
      sessionVersion: user.sessionVersion + 1,
    });
    expect(
      await signInWithPassword({ email: user.email, password: NEW_PASSWORD, ip: freshIp() }),
    ).toMatchObject({
      ok: true,
    });
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({
      ok: false,
    });
    expect((await mailTo(user.email))[0]?.subject).toMatch(/password was changed/i);
    for (const action of ["auth.password_reset.completed", "auth.sessions.revoked"]) {
      expect(await testDb().auditEvent.count({ where: { action, actorId: user.id } })).toBe(1);
    }

    const reuse = await refusal(
      resetPassword({ token, password: "another fine long passphrase", ip: freshIp() }),
    );
    expect(reuse).toMatchObject({ status: 400, code: "invalid_link" });
  });

  it("lets a locked-out owner sign in with the new password right after the reset", async () => {
    const user = await createTestUser();
    await lockOutBySignInFailures(user.email);
    const token = await requestLink(user.email);
    await (await resetPassword({ token, password: NEW_PASSWORD, ip: freshIp() })).background;
    expect(
      await signInWithPassword({ email: user.email, password: NEW_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ ok: true, userId: user.id });
  });

  it("refuses a weak password without spending the link", async () => {
    const user = await createTestUser();
    const token = await requestLink(user.email);
    const error = await refusal(resetPassword({ token, password: "password", ip: freshIp() }));
    expect(error).toMatchObject({ status: 400, code: "weak_password" });
    expect(error.fields?.password?.length).toBeGreaterThan(0);
    expect(await isPasswordResetTokenUsable(token)).toBe(true);
    await resetPassword({ token, password: NEW_PASSWORD, ip: freshIp() });
  });

  it("refuses an expired link", async () => {
    const user = await createTestUser();
    const token = await requestLink(user.email);
    await testDb().authToken.updateMany({
      where: { tokenHash: hashToken(token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await isPasswordResetTokenUsable(token)).toBe(false);
    expect((await refusal(resetPassword({ token, password: NEW_PASSWORD, ip: freshIp() }))).code).toBe(
      "invalid_link",
    );
    const unchanged = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(unchanged.passwordHash).toBe(user.passwordHash);
  });

  it("lets only one of two simultaneous uses of a link through", async () => {
    const user = await createTestUser();
    const token = await requestLink(user.email);
    const outcomes = await Promise.allSettled(
      ["first long passphrase here", "second long passphrase here"].map((password) =>
        resetPassword({ token, password, ip: freshIp() }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).sessionVersion).toBe(
      user.sessionVersion + 1,
    );
  });

  it("verifies an unverified address: following the link proved it", async () => {
    const user = await testDb().user.create({
      data: { email: `unverified-${randomUUID()}@example.com`, passwordHash: null },
    });
    const token = await requestLink(user.email);
    await resetPassword({ token, password: NEW_PASSWORD, ip: freshIp() });
    expect(
      (await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerifiedAt,
    ).not.toBeNull();
  });
});
