import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, LOCKOUT, signInWithPassword, unlockAccount } from "@/lib/auth";
import { listDevMail } from "@/lib/mail";
import { testDb } from "../support/db";

const PASSWORD = "a long and perfectly fine passphrase";
let mailDir: string;
const savedEnv = { MAIL_DEV_DIR: process.env.MAIL_DEV_DIR, SMTP_URL: process.env.SMTP_URL };

beforeAll(async () => {
  // No SMTP: the lockout email lands in a dev mailbox folder of this test's own.
  mailDir = await mkdtemp(path.join(tmpdir(), "unlock-mail-"));
  process.env.MAIL_DEV_DIR = mailDir;
  delete process.env.SMTP_URL;
});

afterAll(async () => {
  Object.assign(process.env, savedEnv);
  await rm(mailDir, { recursive: true, force: true });
});

const freshIp = () => `2001:db8:${randomBytes(2).toString("hex")}:${randomBytes(2).toString("hex")}::1`;

describe("lockout email and unlock link", () => {
  it("emails the owner a single-use unlock link that ends the lock", async () => {
    const user = await testDb().user.create({
      data: {
        email: `locked-${randomUUID()}@example.com`,
        passwordHash: await hashPassword(PASSWORD),
        emailVerifiedAt: new Date(),
      },
    });
    for (let i = 0; i < LOCKOUT.maxFailures; i++) {
      await signInWithPassword({ email: user.email, password: `wrong ${i}`, ip: freshIp() });
    }
    expect((await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).lockedUntil).not.toBeNull();

    const mails = (await listDevMail(mailDir)).filter((mail) => mail.to === user.email);
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

  it("refuses an unknown or expired token", async () => {
    expect(await unlockAccount("not-a-real-token-at-all-0123456789")).toEqual({
      ok: false,
      reason: "invalid_or_expired",
    });
  });
});
