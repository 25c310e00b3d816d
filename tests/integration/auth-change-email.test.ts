import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AuthFlowError,
  checkSession,
  confirmEmailChange,
  EMAIL_CHANGE_UNDO_TTL_MS,
  hashToken,
  requestEmailChange,
  SessionRevokedError,
  signInWithPassword,
  startSession,
  undoEmailChange,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

const sessionLimits = { maxAgeSeconds: 30 * 86_400 };
const staleAuthAt = () => Date.now() - 11 * 60_000;
const newAddress = () => `moved-${randomUUID()}@example.com`;

async function refusal(promise: Promise<unknown>): Promise<AuthFlowError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!(error instanceof AuthFlowError)) throw new Error(`expected an AuthFlowError, got ${String(error)}`);
  return error;
}

/** Asks for the change with the current password and returns the token mailed to the new address. */
async function requestChange(userId: string, newEmail: string): Promise<string> {
  const { background } = await requestEmailChange({
    userId,
    newEmail,
    currentPassword: TEST_PASSWORD,
    authAt: staleAuthAt(),
    ip: freshIp(),
  });
  await background;
  return linkToken((await mailTo(newEmail.trim().toLowerCase()))[0], "/email-change/confirm");
}

/** The reasons of the user's `auth.sessions.revoked` events, oldest first. */
async function sessionRevocationReasons(userId: string): Promise<unknown[]> {
  const events = await testDb().auditEvent.findMany({
    where: { action: "auth.sessions.revoked", actorId: userId },
    orderBy: { seq: "asc" },
    select: { metadata: true },
  });
  return events.map((event) => (event.metadata as { reason?: unknown } | null)?.reason);
}

/** Confirms and returns the undo token mailed to the old address. */
async function confirmChange(token: string, oldEmail: string): Promise<string> {
  const result = await confirmEmailChange(token, { ip: freshIp() });
  if (!result.ok) throw new Error(`confirm failed: ${result.reason}`);
  await result.background;
  return linkToken((await mailTo(oldEmail))[0], "/email-change/undo");
}

describe("email change", () => {
  it("switches only when the new address confirms, then revokes sessions and lets the old address undo for 7 days", async () => {
    const user = await createTestUser();
    const session = await startSession(testDb(), user.id);
    const newEmail = newAddress();

    const token = await requestChange(user.id, ` ${newEmail.toUpperCase()}`);
    expect((await mailTo(newEmail))[0]?.subject).toMatch(/confirm your new email/i);
    // Nothing has changed yet.
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    await checkSession(testDb(), session, sessionLimits);

    const before = Date.now();
    const undo = await confirmChange(token, user.email);
    const after = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(after.email).toBe(newEmail);
    expect(after.emailVerifiedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    await expect(checkSession(testDb(), session, sessionLimits)).rejects.toEqual(
      new SessionRevokedError("revoked"),
    );

    const notice = (await mailTo(user.email))[0];
    expect(notice?.subject).toMatch(/email address .* was changed/i);
    expect(notice?.text).toContain(`${newEmail.slice(0, 1)}•••@example.com`);
    expect(notice?.text).not.toContain(newEmail);
    const undoRow = await testDb().authToken.findFirstOrThrow({ where: { tokenHash: hashToken(undo) } });
    expect(undoRow).toMatchObject({ purpose: "EMAIL_CHANGE_UNDO", email: user.email, usedAt: null });
    expect(undoRow.expiresAt.getTime()).toBeGreaterThanOrEqual(before + EMAIL_CHANGE_UNDO_TTL_MS - 1000);

    expect(
      await signInWithPassword({ email: newEmail, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({
      ok: true,
    });
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({
      ok: false,
    });
    const events = await testDb().auditEvent.findMany({
      where: { actorId: user.id, action: { in: ["auth.email_change.requested", "auth.email.changed"] } },
      orderBy: { seq: "asc" },
    });
    expect(events.map((event) => event.action)).toEqual([
      "auth.email_change.requested",
      "auth.email.changed",
    ]);
    expect(events[1]?.metadata).toMatchObject({ via: "confirmation_link", toDomain: "example.com" });
    expect(await sessionRevocationReasons(user.id)).toEqual(["email_changed"]);

    // The confirmation link works once.
    expect(await confirmEmailChange(token, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });

  it("undo restores the old address, revokes sessions and cancels a pending change; it works once", async () => {
    const user = await createTestUser();
    const newEmail = newAddress();
    const undo = await confirmChange(await requestChange(user.id, newEmail), user.email);
    const session = await startSession(testDb(), user.id);
    const pending = await requestChange(user.id, newAddress());

    const result = await undoEmailChange(undo, { ip: freshIp() });
    expect(result).toMatchObject({ ok: true, userId: user.id });
    const restored = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(restored.email).toBe(user.email);
    await expect(checkSession(testDb(), session, sessionLimits)).rejects.toEqual(
      new SessionRevokedError("revoked"),
    );
    // One revocation when the change was confirmed, one for the undo.
    expect(await sessionRevocationReasons(user.id)).toEqual(["email_changed", "email_changed"]);
    expect(await confirmEmailChange(pending, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
    expect(await undoEmailChange(undo, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });

  it("keeps the owner's undo link through a second change, and an undo kills the other undo links", async () => {
    const user = await createTestUser();
    const second = newAddress();
    const third = newAddress();
    const ownersUndo = await confirmChange(await requestChange(user.id, second), user.email);
    const hijackersUndo = await confirmChange(await requestChange(user.id, third), second);

    expect(await undoEmailChange(ownersUndo, { ip: freshIp() })).toMatchObject({ ok: true });
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    expect(await undoEmailChange(hijackersUndo, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });

  it("refuses expired confirmation and undo links", async () => {
    const user = await createTestUser();
    const newEmail = newAddress();
    const token = await requestChange(user.id, newEmail);
    const expire = (t: string) =>
      testDb().authToken.updateMany({
        where: { tokenHash: hashToken(t) },
        data: { expiresAt: new Date(Date.now() - 1000) },
      });
    await expire(token);
    expect(await confirmEmailChange(token, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });

    const undo = await confirmChange(await requestChange(user.id, newEmail), user.email);
    await expire(undo);
    expect(await undoEmailChange(undo, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(newEmail);
  });

  it("a new request kills the older confirmation link", async () => {
    const user = await createTestUser();
    const first = await requestChange(user.id, newAddress());
    const secondEmail = newAddress();
    const second = await requestChange(user.id, secondEmail);
    expect(await confirmEmailChange(first, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
    expect(await confirmEmailChange(second, { ip: freshIp() })).toMatchObject({ ok: true });
  });

  it("answers the same for an address that belongs to another account, and sends it nothing", async () => {
    const user = await createTestUser();
    const other = await createTestUser();
    const result = await requestEmailChange({
      userId: user.id,
      newEmail: other.email,
      currentPassword: TEST_PASSWORD,
      authAt: staleAuthAt(),
      ip: freshIp(),
    });
    expect(Object.keys(result)).toEqual(["background"]);
    await result.background;
    expect(await mailTo(other.email)).toEqual([]);
    expect(await testDb().authToken.count({ where: { userId: user.id, purpose: "EMAIL_CHANGE" } })).toBe(0);
  });

  it("spends the link but changes nothing when the address was taken after the request", async () => {
    const user = await createTestUser();
    const newEmail = newAddress();
    const token = await requestChange(user.id, newEmail);
    await testDb().user.create({ data: { email: newEmail } });
    expect(await confirmEmailChange(token, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "address_taken",
    });
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).email).toBe(user.email);
    expect(await confirmEmailChange(token, { ip: freshIp() })).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });

  it("refuses the current address, a missing or wrong password, and more than 3 requests an hour", async () => {
    const user = await createTestUser();
    const base = { userId: user.id, authAt: staleAuthAt(), ip: freshIp() };
    expect(
      await refusal(
        requestEmailChange({ ...base, newEmail: user.email.toUpperCase(), currentPassword: TEST_PASSWORD }),
      ),
    ).toMatchObject({ status: 400, code: "same_email" });
    expect(await refusal(requestEmailChange({ ...base, newEmail: newAddress() }))).toMatchObject({
      code: "current_password_required",
    });
    expect(
      await refusal(
        requestEmailChange({ ...base, newEmail: newAddress(), currentPassword: "wrong password" }),
      ),
    ).toMatchObject({ code: "wrong_password" });
    await (await requestEmailChange({ ...base, newEmail: newAddress(), currentPassword: TEST_PASSWORD }))
      .background;
    expect(
      await refusal(requestEmailChange({ ...base, newEmail: newAddress(), currentPassword: TEST_PASSWORD })),
    ).toMatchObject({ status: 429, code: "rate_limited" });
  });

  it("needs no password right after a step-up", async () => {
    const user = await createTestUser();
    const newEmail = newAddress();
    await (
      await requestEmailChange({ userId: user.id, newEmail, authAt: Date.now() - 60_000, ip: freshIp() })
    ).background;
    expect(await mailTo(newEmail)).toHaveLength(1);
  });
});
