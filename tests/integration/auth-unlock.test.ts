import { describe, expect, it } from "vitest";
import { LOCKOUT, signInWithPassword, unlockAccount } from "@/lib/auth";
import { listDevMail } from "@/lib/mail";
import { testDb } from "../support/db";
import { linkToken, mailTo } from "../support/mail";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

describe("lockout email and unlock link", () => {
  it("emails the owner a single-use unlock link that ends the lock", async () => {
    const user = await createTestUser();
    for (let i = 0; i < LOCKOUT.maxFailures; i++) {
      await signInWithPassword({ email: user.email, password: `wrong ${i}`, ip: freshIp() });
    }
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).lockedUntil).not.toBeNull();

    const mails = (await listDevMail()).filter((mail) => mail.to === user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toMatch(/locked/i);
    const token = mails[0]?.text.match(/\/unlock\?token=([A-Za-z0-9_-]+)/)?.[1];
    expect(token).toBeDefined();
    // Only the token's hash is stored.
    const stored = await testDb().authToken.findFirstOrThrow({
      where: { userId: user.id, purpose: "ACCOUNT_UNLOCK" },
    });
    expect(stored.tokenHash).not.toContain(token as string);

    expect(await unlockAccount(token as string)).toEqual({ ok: true });
    const unlocked = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(unlocked).toMatchObject({ lockedUntil: null, failedSignInCount: 0 });
    expect(await unlockAccount(token as string)).toEqual({ ok: false, reason: "invalid_or_expired" });
    expect(await testDb().auditEvent.count({ where: { action: "auth.unlock", actorId: user.id } })).toBe(1);
  });

  it("lets the owner sign in with the right password right after following the link", async () => {
    const user = await createTestUser();
    for (let i = 0; i < LOCKOUT.maxFailures; i++) {
      await signInWithPassword({ email: user.email, password: `wrong ${i}`, ip: freshIp() });
    }
    // Locked: the right password is refused too.
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ ok: false });

    const token = linkToken((await mailTo(user.email))[0], "/unlock");
    expect(await unlockAccount(token)).toEqual({ ok: true });
    expect(
      await signInWithPassword({ email: user.email, password: TEST_PASSWORD, ip: freshIp() }),
    ).toMatchObject({ ok: true, userId: user.id });
  });

  it("refuses an unknown or expired token", async () => {
    expect(await unlockAccount("not-a-real-token-at-all-0123456789")).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });
});
