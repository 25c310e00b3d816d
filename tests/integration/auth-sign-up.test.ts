import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AuthFlowError,
  hashToken,
  resendVerificationEmail,
  signUp,
  VERIFICATION_TOKEN_TTL_MS,
  verifyEmail,
  verifyPassword,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const PASSWORD = "marble orchard kettle lantern";
const newAddress = () => `sign-up-${randomUUID()}@example.com`;

async function refusal(promise: Promise<unknown>): Promise<AuthFlowError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AuthFlowError)) throw new Error(`expected an AuthFlowError, got ${String(error)}`);
  return error;
}

async function signUpAndGetLink(email: string) {
  const { background } = await signUp({ email, name: "Ada", password: PASSWORD, ip: freshIp() });
  await background;
  const [mail] = await mailTo(email.trim().toLowerCase());
  return { mail, token: linkToken(mail, "/verify-email") };
}

describe("sign-up", () => {
  it("creates an unverified account and emails a single-use verification link stored only as a hash", async () => {
    const email = newAddress();
    const before = Date.now();
    const { mail, token } = await signUpAndGetLink(` ${email.toUpperCase()} `);

    const user = await testDb().user.findUniqueOrThrow({ where: { email }, omit: { passwordHash: false } });
    expect(user).toMatchObject({ name: "Ada", emailVerifiedAt: null });
    expect(await verifyPassword(user.passwordHash as string, PASSWORD)).toBe(true);
    expect(mail?.subject).toMatch(/verify your email/i);
    expect(token.length).toBeGreaterThanOrEqual(43); // 32 random bytes, base64url

    const stored = await testDb().authToken.findFirstOrThrow({
      omit: { tokenHash: false },
      where: { userId: user.id, purpose: "EMAIL_VERIFICATION" },
    });
    expect(stored.tokenHash).toBe(hashToken(token));
    expect(stored.tokenHash).not.toContain(token);
    expect(stored.expiresAt.getTime() - before).toBeGreaterThanOrEqual(VERIFICATION_TOKEN_TTL_MS - 1000);
    expect(stored.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(VERIFICATION_TOKEN_TTL_MS);
    expect(
      await testDb().auditEvent.count({ where: { action: "auth.account.created", actorId: user.id } }),
    ).toBe(1);
  });

  it("verifies the address once: the link can't be used a second time", async () => {
    const email = newAddress();
    const { token } = await signUpAndGetLink(email);
    const ip = freshIp();

    const result = await verifyEmail(token, { ip });
    const user = await testDb().user.findUniqueOrThrow({ where: { email } });
    expect(result).toEqual({ ok: true, userId: user.id });
    expect(user.emailVerifiedAt).not.toBeNull();
    const event = await testDb().auditEvent.findFirstOrThrow({
      where: { action: "auth.email.verified", actorId: user.id },
    });
    expect(event.actorIp).toBe(ip);

    expect(await verifyEmail(token, { ip })).toEqual({ ok: false, reason: "invalid_or_expired" });
  });

  it("refuses an expired verification link", async () => {
    const email = newAddress();
    const { token } = await signUpAndGetLink(email);
    await testDb().authToken.updateMany({
      where: { tokenHash: hashToken(token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await verifyEmail(token, { ip: freshIp() })).toEqual({ ok: false, reason: "invalid_or_expired" });
    expect((await testDb().user.findUniqueOrThrow({ where: { email } })).emailVerifiedAt).toBeNull();
  });

  it("for a registered address changes nothing and emails the owner that they already have an account", async () => {
    const owner = await createTestUser();
    const result = await signUp({ email: owner.email, name: "Mallory", password: PASSWORD, ip: freshIp() });
    expect(Object.keys(result)).toEqual(["background"]);
    await result.background;

    const after = await testDb().user.findUniqueOrThrow({
      where: { id: owner.id },
      omit: { passwordHash: false },
    });
    expect(after.passwordHash).toBe(owner.passwordHash);
    expect(await verifyPassword(after.passwordHash as string, TEST_PASSWORD)).toBe(true);
    const mails = await mailTo(owner.email);
    expect(mails.map((mail) => mail.subject)).toEqual([
      expect.stringMatching(/already have an? .* account/i),
    ]);
    // The typed name is not put into the owner's mail.
    expect(mails[0]?.text).not.toContain("Mallory");
    expect(await testDb().authToken.count({ where: { userId: owner.id } })).toBe(0);
  });

  it("creates one account when the same new address signs up twice at once", async () => {
    const email = newAddress();
    const results = await Promise.all([1, 2].map(() => signUp({ email, password: PASSWORD, ip: freshIp() })));
    await Promise.all(results.map((result) => result.background));
    expect(await testDb().user.count({ where: { email } })).toBe(1);
    const subjects = (await mailTo(email)).map((mail) => mail.subject).sort();
    expect(subjects).toEqual([
      "Verify your email address for Shipshape",
      "You already have a Shipshape account",
    ]);
  });

  it("explains every password problem and creates nothing", async () => {
    const email = `kettle.lantern-${randomUUID().slice(0, 8)}@example.com`;
    const error = await refusal(signUp({ email, password: `short`, ip: freshIp() }));
    expect(error).toMatchObject({ status: 400, code: "weak_password" });
    expect(error.fields?.password?.[0]).toMatch(/at least 15 characters/);

    const local = email.split("@")[0] as string;
    const containsEmail = await refusal(
      signUp({ email, password: `my address is ${local} ok`, ip: freshIp() }),
    );
    expect(containsEmail.fields?.password).toEqual([expect.stringMatching(/email address/)]);
    expect(await testDb().user.count({ where: { email } })).toBe(0);
    expect(await mailTo(email)).toEqual([]);
  });

  it("limits sign-ups per IP (sign-up-ip) and records the block", async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i++)
      await (await signUp({ email: newAddress(), password: PASSWORD, ip })).background;
    const email = newAddress();
    const error = await refusal(signUp({ email, password: PASSWORD, ip }));
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(error.retryAfterSeconds).toBeGreaterThan(0);
    expect(await testDb().user.count({ where: { email } })).toBe(0);
    const block = await testDb().auditEvent.findFirstOrThrow({
      where: { action: "auth.rate_limited", actorIp: ip },
    });
    expect(block.metadata).toMatchObject({ policy: "sign-up-ip", reason: "limited" });
  });
});

describe("resending the verification email", () => {
  it("sends a new link that replaces the old one", async () => {
    const email = newAddress();
    const { token: first } = await signUpAndGetLink(email);
    const user = await testDb().user.findUniqueOrThrow({ where: { email } });

    await (await resendVerificationEmail({ userId: user.id, ip: freshIp() })).background;
    const mails = await mailTo(email);
    expect(mails).toHaveLength(2);
    const second = linkToken(mails[0], "/verify-email");
    expect(second).not.toBe(first);

    expect(await verifyEmail(first, { ip: freshIp() })).toEqual({ ok: false, reason: "invalid_or_expired" });
    expect(await verifyEmail(second, { ip: freshIp() })).toMatchObject({ ok: true });
  });

  it("sends nothing to a verified address", async () => {
    const user = await createTestUser();
    await (await resendVerificationEmail({ userId: user.id, ip: freshIp() })).background;
    expect(await mailTo(user.email)).toEqual([]);
  });

  it("answers the same past the limit (verification-resend-account) but sends nothing more", async () => {
    const email = newAddress();
    await signUpAndGetLink(email);
    const user = await testDb().user.findUniqueOrThrow({ where: { email } });
    const answers = [];
    for (let i = 0; i < 7; i++) {
      const result = await resendVerificationEmail({ userId: user.id, ip: freshIp() });
      await result.background;
      answers.push(Object.keys(result));
    }
    expect(new Set(answers.map((keys) => keys.join()))).toEqual(new Set(["background"]));
    // The sign-up mail plus five resends.
    expect(await mailTo(email)).toHaveLength(6);
    expect(
      await testDb().auditEvent.count({
        where: { action: "auth.rate_limited", actorId: user.id },
      }),
    ).toBe(2);
  });
});
