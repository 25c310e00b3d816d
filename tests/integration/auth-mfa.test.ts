import { generateSync } from "otplib";
import { describe, expect, it, vi } from "vitest";
import {
  AuthFlowError,
  checkSession,
  confirmMfaEnrolment,
  disableMfa,
  mfaStatus,
  pendingEnrolment,
  regenerateRecoveryCodes,
  SessionRevokedError,
  startMfaEnrolment,
  startSession,
  verifyMfaChallenge,
} from "@/lib/auth";
import { listDevMail } from "@/lib/mail";
import { testDb } from "../support/db";
import { createTestUser } from "../support/users";

/** The code an authenticator app shows `steps` time steps (30 s) from now. */
const codeIn = (secret: string, steps = 0) =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

/** The error code a rejected promise carries (AuthFlowError), or "resolved". */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    if (error instanceof AuthFlowError) return error.code;
    throw error;
  }
}

/** A verified user who enrolled TOTP with the current code; returns the secret and recovery codes. */
async function enrolledUser() {
  const user = await createTestUser();
  await startMfaEnrolment(user.id);
  const { secret } = (await pendingEnrolment(user.id, { authAt: Date.now() })) ?? { secret: "" };
  const { recoveryCodes } = await confirmMfaEnrolment(user.id, codeIn(secret), client);
  return { user, secret, recoveryCodes };
}

const events = (actorId: string, action: string) =>
  testDb().auditEvent.findMany({
    where: { actorId, action },
    orderBy: { seq: "asc" },
    select: { metadata: true },
  });

const limits = { maxAgeSeconds: 30 * 86_400 };
/** The request's client, as the route wrapper resolves it (a documentation-range address). */
const client = { ip: "203.0.113.7", userAgent: "vitest" };

describe("MFA enrolment", () => {
  it("shows a locally drawn QR code and the secret until a code confirms it, then turns MFA on", async () => {
    const user = await createTestUser();
    const before = await startSession(testDb(), user.id);
    await startMfaEnrolment(user.id);

    vi.stubEnv("APP_NAME", "Acme Cloud");
    const pending = await pendingEnrolment(user.id, { authAt: Date.now() }).finally(() => vi.unstubAllEnvs());
    expect(pending?.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(pending?.qrCodeDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    // The authenticator app lists the entry under the product's name (APP_NAME) and the address.
    const uri = new URL(pending?.otpauthUri as string);
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.searchParams.get("issuer")).toBe("Acme Cloud");
    expect(`${uri.host}${decodeURIComponent(uri.pathname)}`).toBe(`totp/Acme Cloud:${user.email}`);
    expect(uri.searchParams.get("secret")).toBe(pending?.secret);
    // Stored encrypted, bound to the user: the plaintext secret is nowhere in the row.
    const row = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { mfaSecretEncrypted: false },
    });
    expect(row.mfaSecretEncrypted).toMatch(/^v1\./);
    expect(row.mfaSecretEncrypted).not.toContain(pending?.secret);
    expect(row.mfaEnabledAt).toBeNull();
    expect((await mfaStatus(user.id)).enrolmentStarted).toBe(true);

    const secret = pending?.secret as string;
    expect(await refusal(confirmMfaEnrolment(user.id, "000000", client))).toBe("invalid_code");
    expect((await mfaStatus(user.id)).enabled).toBe(false);

    const { recoveryCodes, sessionVersion } = await confirmMfaEnrolment(user.id, codeIn(secret), client);
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-z]{5}-[0-9a-z]{5}$/);
    expect(await mfaStatus(user.id)).toMatchObject({
      enabled: true,
      enrolmentStarted: false,
      recoveryCodesLeft: 10,
    });

    // Codes are stored only as argon2id hashes.
    const stored = await testDb().recoveryCode.findMany({
      where: { userId: user.id },
      omit: { codeHash: false },
    });
    expect(stored).toHaveLength(10);
    for (const { codeHash } of stored) {
      expect(codeHash).toMatch(/^\$argon2id\$/);
      for (const code of recoveryCodes) expect(codeHash).not.toContain(code.replace("-", ""));
    }

    // Every earlier session ends; the caller keeps its own with the new version.
    expect(sessionVersion).toBe(row.sessionVersion + 1);
    await expect(checkSession(testDb(), before, limits)).rejects.toThrow(SessionRevokedError);
    // Once MFA is on, the secret is never shown again.
    expect(await pendingEnrolment(user.id, { authAt: Date.now() })).toBeNull();
    expect(await refusal(startMfaEnrolment(user.id))).toBe("mfa_already_enabled");

    expect(await events(user.id, "auth.mfa.enrolled")).toHaveLength(1);
    const mail = (await listDevMail()).find((m) => m.to === user.email);
    expect(mail?.subject).toMatch(/Two-factor authentication was turned on/);
    expect(mail?.text).not.toContain(secret);
  });

  it("refuses a code from a key replaced by starting over, and turns MFA on once when two confirmations race", async () => {
    const user = await createTestUser();
    await startMfaEnrolment(user.id);
    const replaced = (await pendingEnrolment(user.id, { authAt: Date.now() }))?.secret as string;
    await startMfaEnrolment(user.id);
    const first = (await pendingEnrolment(user.id, { authAt: Date.now() }))?.secret as string;
    expect(first).not.toBe(replaced);
    expect(await refusal(confirmMfaEnrolment(user.id, codeIn(replaced), client))).toBe("invalid_code");

    // Two confirmations race with the same code: one turns MFA on, the other finds it spent.
    const outcomes = await Promise.all([
      refusal(confirmMfaEnrolment(user.id, codeIn(first), client)),
      refusal(confirmMfaEnrolment(user.id, codeIn(first), client)),
    ]);
    expect(outcomes.sort()).toEqual(["invalid_code", "resolved"]);
    expect(await testDb().recoveryCode.count({ where: { userId: user.id } })).toBe(10);
    expect(await events(user.id, "auth.mfa.enrolled")).toHaveLength(1);
  });

  it("refuses to confirm when nothing was started", async () => {
    const user = await createTestUser();
    expect(await refusal(confirmMfaEnrolment(user.id, "123456", client))).toBe("mfa_not_started");
  });

  it("makes new sessions wait for the challenge", async () => {
    const { user } = await enrolledUser();
    expect((await startSession(testDb(), user.id)).mfa).toBe("pending");
  });
});

describe("MFA sign-in challenge", () => {
  it("accepts a TOTP code once: the enrolment code and a used code are refused (replay)", async () => {
    const { user, secret } = await enrolledUser();
    // The code that confirmed enrolment was spent.
    expect(await refusal(verifyMfaChallenge(user.id, codeIn(secret), client))).toBe("invalid_code");
    const next = codeIn(secret, 1);
    expect(await verifyMfaChallenge(user.id, next, client)).toMatchObject({ method: "totp" });
    expect(await refusal(verifyMfaChallenge(user.id, next, client))).toBe("invalid_code");

    const challenged = (await events(user.id, "auth.mfa.challenged")).map((e) => e.metadata);
    expect(challenged).toEqual([
      { method: "totp", result: "failed" },
      { method: "totp", result: "succeeded" },
      { method: "totp", result: "failed" },
    ]);
  });

  it("lets two concurrent requests with the same code through only once", async () => {
    const { user, secret } = await enrolledUser();
    const code = codeIn(secret, 1);
    const outcomes = await Promise.all([
      refusal(verifyMfaChallenge(user.id, code, client)),
      refusal(verifyMfaChallenge(user.id, code, client)),
    ]);
    expect(outcomes.sort()).toEqual(["invalid_code", "resolved"]);
  });

  it("accepts each recovery code once, in any case and without the dash, and says how many are left", async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const [first, second] = recoveryCodes as [string, string];
    expect(await verifyMfaChallenge(user.id, first, client)).toMatchObject({
      method: "recovery_code",
      recoveryCodesLeft: 9,
    });
    expect(await refusal(verifyMfaChallenge(user.id, first, client))).toBe("invalid_code");
    expect(await verifyMfaChallenge(user.id, second.toUpperCase().replace("-", " "), client)).toMatchObject({
      method: "recovery_code",
      recoveryCodesLeft: 8,
    });

    expect((await events(user.id, "auth.recovery_code.used")).map((e) => e.metadata)).toEqual([
      { remaining: 9 },
      { remaining: 8 },
    ]);
    const usedRows = await testDb().recoveryCode.count({ where: { userId: user.id, usedAt: { not: null } } });
    expect(usedRows).toBe(2);
  });

  it("allows 5 attempts per 5 minutes per account, then refuses even the right code", async () => {
    const { user, secret } = await enrolledUser(); // the enrolment code was attempt 1
    for (let i = 0; i < 4; i++) {
      expect(await refusal(verifyMfaChallenge(user.id, "000000", client))).toBe("invalid_code");
    }
    expect(await refusal(verifyMfaChallenge(user.id, codeIn(secret, 1), client))).toBe("rate_limited");
    const limited = await events(user.id, "auth.rate_limited");
    expect(limited.map((e) => e.metadata)).toEqual([{ policy: "totp-account", reason: "limited" }]);
  });

  it("counts only wrong codes at sign-in, so signing in on several devices in a row isn't refused", async () => {
    const { user, recoveryCodes } = await enrolledUser(); // the enrolment code was attempt 1
    // Six right codes within five minutes (a new device each), then still room for wrong ones.
    for (const code of recoveryCodes.slice(0, 6)) {
      expect(await verifyMfaChallenge(user.id, code, client)).toMatchObject({ method: "recovery_code" });
    }
    for (let i = 0; i < 4; i++) {
      expect(await refusal(verifyMfaChallenge(user.id, "000000", client))).toBe("invalid_code");
    }
    expect(await refusal(verifyMfaChallenge(user.id, "000000", client))).toBe("rate_limited");
  });
});

describe("recovery codes and turning MFA off", () => {
  it("regenerates codes: the old ones stop working, the new ones work", async () => {
    const { user, recoveryCodes } = await enrolledUser();
    const fresh = await regenerateRecoveryCodes(user.id, client);
    expect(fresh).toHaveLength(10);
    expect(await refusal(verifyMfaChallenge(user.id, recoveryCodes[0] as string, client))).toBe(
      "invalid_code",
    );
    expect(await verifyMfaChallenge(user.id, fresh[0] as string, client)).toMatchObject({
      recoveryCodesLeft: 9,
    });
    expect(await events(user.id, "auth.recovery_codes.regenerated")).toHaveLength(1);
  });

  it("can't regenerate or disable when MFA is off", async () => {
    const user = await createTestUser();
    expect(await refusal(regenerateRecoveryCodes(user.id, client))).toBe("mfa_not_enabled");
    expect(await refusal(disableMfa(user.id, client))).toBe("mfa_not_enabled");
  });

  it("turning MFA off forgets the secret and codes, ends every session and emails the owner", async () => {
    const { user } = await enrolledUser();
    const session = await startSession(testDb(), user.id);
    const { sessionVersion } = await disableMfa(user.id, { ip: "203.0.113.9" });

    const row = await testDb().user.findUniqueOrThrow({
      where: { id: user.id },
      omit: { mfaSecretEncrypted: false },
    });
    expect(row).toMatchObject({
      mfaEnabledAt: null,
      mfaSecretEncrypted: null,
      mfaLastUsedStep: null,
      sessionVersion,
    });
    expect(await testDb().recoveryCode.count({ where: { userId: user.id } })).toBe(0);
    await expect(checkSession(testDb(), session, limits)).rejects.toThrow(SessionRevokedError);
    expect((await startSession(testDb(), user.id)).mfa).toBe("none");

    const [disabled] = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: "auth.mfa.disabled" },
    });
    expect(disabled?.actorIp).toBe("203.0.113.9");
    const subjects = (await listDevMail()).filter((m) => m.to === user.email).map((m) => m.subject);
    expect(subjects).toContain("Two-factor authentication was turned off for your Shipshape account");
  });
});
