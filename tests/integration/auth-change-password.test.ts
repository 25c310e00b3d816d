import { describe, expect, it } from "vitest";
import {
  AuthFlowError,
  changePassword,
  checkSession,
  encodeSessionToken,
  patchSessionToken,
  SessionRevokedError,
  startSession,
  verifyPassword,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { mailTo } from "../support/mail";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const NEW_PASSWORD = "walnut cinder ferry lighthouse";
const sessionLimits = { maxAgeSeconds: 30 * 86_400 };
/** A sign-in long enough ago that it no longer counts as a step-up (10 minutes). */
const staleAuthAt = () => Date.now() - 11 * 60_000;

async function refusal(promise: Promise<unknown>): Promise<AuthFlowError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AuthFlowError)) throw new Error(`expected an AuthFlowError, got ${String(error)}`);
  return error;
}

describe("change password", () => {
  it("with the current password: sets the new one, revokes every session, returns the new version, emails a notice", async () => {
    const user = await createTestUser();
    const otherDevice = await startSession(testDb(), user.id);

    const result = await changePassword({
      userId: user.id,
      currentPassword: TEST_PASSWORD,
      newPassword: NEW_PASSWORD,
      authAt: staleAuthAt(),
      ip: freshIp(),
    });
    await result.background;

    const after = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(await verifyPassword(after.passwordHash as string, NEW_PASSWORD)).toBe(true);
    expect(result.sessionVersion).toBe(after.sessionVersion);
    expect(after.sessionVersion).toBe(user.sessionVersion + 1);
    await expect(checkSession(testDb(), otherDevice, sessionLimits)).rejects.toEqual(
      new SessionRevokedError("revoked"),
    );
    // The current session re-issued with the returned version (a new session row, same start) is valid.
    const { claims: reissued } = await patchSessionToken(await encodeSessionToken(otherDevice), {
      sv: result.sessionVersion,
    });
    expect(reissued).toMatchObject({ sv: result.sessionVersion, signedInAt: otherDevice.signedInAt });
    expect(await checkSession(testDb(), reissued, sessionLimits)).toEqual(reissued);

    expect((await mailTo(user.email)).map((mail) => mail.subject)).toEqual([
      expect.stringMatching(/password was changed/i),
    ]);
    expect(
      await testDb().auditEvent.count({ where: { action: "auth.password.changed", actorId: user.id } }),
    ).toBe(1);
    const revoked = await testDb().auditEvent.findMany({
      where: { action: "auth.sessions.revoked", actorId: user.id },
      select: { metadata: true },
    });
    expect(revoked).toEqual([{ metadata: { reason: "password_changed" } }]);
  });

  it("after a recent step-up, without the current password", async () => {
    const user = await createTestUser();
    await changePassword({
      userId: user.id,
      newPassword: NEW_PASSWORD,
      authAt: Date.now() - 9 * 60_000,
      ip: freshIp(),
    });
    const after = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(await verifyPassword(after.passwordHash as string, NEW_PASSWORD)).toBe(true);
  });

  it("asks for the current password when the last sign-in is older than 10 minutes, and refuses a wrong one", async () => {
    const user = await createTestUser();
    const missing = await refusal(
      changePassword({ userId: user.id, newPassword: NEW_PASSWORD, authAt: staleAuthAt(), ip: freshIp() }),
    );
    expect(missing).toMatchObject({ status: 400, code: "current_password_required" });
    expect(missing.fields?.currentPassword).toHaveLength(1);

    const wrong = await refusal(
      changePassword({
        userId: user.id,
        currentPassword: "not my password at all",
        newPassword: NEW_PASSWORD,
        authAt: staleAuthAt(),
        ip: freshIp(),
      }),
    );
    expect(wrong).toMatchObject({ status: 400, code: "wrong_password" });
    const unchanged = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { passwordHash: false },
    });
    expect(unchanged).toMatchObject({ passwordHash: user.passwordHash, sessionVersion: user.sessionVersion });
  });

  it("limits current-password guesses (reauth-account), then refuses even the right one", async () => {
    const user = await createTestUser();
    const attempt = (currentPassword: string) =>
      refusal(
        changePassword({
          userId: user.id,
          currentPassword,
          newPassword: NEW_PASSWORD,
          authAt: staleAuthAt(),
          ip: freshIp(),
        }),
      );
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong guess ${i}`)).code).toBe("wrong_password");
    expect(await attempt(TEST_PASSWORD)).toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("explains a weak new password on the newPassword field and changes nothing", async () => {
    const user = await createTestUser();
    const error = await refusal(
      changePassword({
        userId: user.id,
        currentPassword: TEST_PASSWORD,
        newPassword: "shipshape shipshape shipshape",
        authAt: staleAuthAt(),
        ip: freshIp(),
      }),
    );
    expect(error.code).toBe("weak_password");
    expect(error.fields?.newPassword).toEqual([expect.stringMatching(/Shipshape/)]);
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).sessionVersion).toBe(
      user.sessionVersion,
    );
  });

  it("asks an account without a password to step up instead", async () => {
    const user = await createTestUser({ passwordHash: null });
    const error = await refusal(
      changePassword({ userId: user.id, newPassword: NEW_PASSWORD, authAt: staleAuthAt(), ip: freshIp() }),
    );
    expect(error).toMatchObject({ status: 403, code: "step_up_required" });
  });
});
