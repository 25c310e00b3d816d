import { generateSync } from "otplib";
import { describe, expect, it } from "vitest";
import {
  AuthFlowError,
  confirmMfaEnrolment,
  hasRecentAuthentication,
  pendingEnrolment,
  reauthenticate,
  reauthMethods,
  STEP_UP_MAX_AGE_MS,
  safeReturnPath,
  startMfaEnrolment,
} from "@/lib/auth";
import { testDb } from "../support/db";
import { createTestUser, TEST_PASSWORD } from "../support/users";

const client = { ip: "203.0.113.7" };
const codeIn = (secret: string, steps = 0) =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    if (error instanceof AuthFlowError) return error.code;
    throw error;
  }
}

const reauthEvents = (userId: string) =>
  testDb().auditEvent.findMany({
    where: { actorId: userId, action: { startsWith: "auth.reauth" } },
    orderBy: { seq: "asc" },
    select: { action: true, metadata: true },
  });

describe("step-up re-authentication", () => {
  it("accepts the password, refuses a wrong one, and records both", async () => {
    const user = await createTestUser();
    expect(await reauthMethods(user.id)).toEqual({ password: true, totp: false });
    expect(await refusal(reauthenticate(user.id, { password: "not my password at all" }, client))).toBe(
      "invalid_credentials",
    );
    expect(await refusal(reauthenticate(user.id, { password: TEST_PASSWORD }, client))).toBe("resolved");
    expect(await reauthEvents(user.id)).toEqual([
      { action: "auth.reauth.failed", metadata: { method: "password" } },
      { action: "auth.reauth.succeeded", metadata: { method: "password" } },
    ]);
    // A wrong step-up password doesn't count toward the sign-in lockout.
    const row = await testDb().user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.failedSignInCount).toBe(0);
  });

  it("accepts a TOTP code when MFA is on, once (no replay)", async () => {
    const user = await createTestUser();
    await startMfaEnrolment(user.id);
    const secret = (await pendingEnrolment(user.id, { authAt: Date.now() }))?.secret as string;
    await confirmMfaEnrolment(user.id, codeIn(secret), client);
    expect(await reauthMethods(user.id)).toEqual({ password: true, totp: true });

    const code = codeIn(secret, 1);
    expect(await refusal(reauthenticate(user.id, { code }, client))).toBe("resolved");
    expect(await refusal(reauthenticate(user.id, { code }, client))).toBe("invalid_credentials");
  });

  it("refuses a code when MFA is off, and a password when the account has none", async () => {
    const oauthOnly = await createTestUser({ passwordHash: null });
    expect(await reauthMethods(oauthOnly.id)).toEqual({ password: false, totp: false });
    expect(await refusal(reauthenticate(oauthOnly.id, { password: "" }, client))).toBe("invalid_credentials");
    expect(await refusal(reauthenticate(oauthOnly.id, { code: "123456" }, client))).toBe(
      "invalid_credentials",
    );
  });

  it("allows 5 attempts per 15 minutes per account, then refuses even the right password", async () => {
    const user = await createTestUser();
    for (let i = 0; i < 5; i++) {
      expect(await refusal(reauthenticate(user.id, { password: `wrong guess ${i}` }, client))).toBe(
        "invalid_credentials",
      );
    }
    expect(await refusal(reauthenticate(user.id, { password: TEST_PASSWORD }, client))).toBe("rate_limited");
  });

  it("counts for 10 minutes", () => {
    const now = Date.now();
    expect(STEP_UP_MAX_AGE_MS).toBe(600_000);
    expect(hasRecentAuthentication(now - 60_000, now)).toBe(true);
    expect(hasRecentAuthentication(now - STEP_UP_MAX_AGE_MS, now)).toBe(true);
    expect(hasRecentAuthentication(now - STEP_UP_MAX_AGE_MS - 1, now)).toBe(false);
    // Another instance whose clock runs a little ahead set it: still recent.
    expect(hasRecentAuthentication(now + 500, now)).toBe(true);
  });
});

describe("the step-up page's return address", () => {
  it("keeps same-origin paths with their query", () => {
    expect(safeReturnPath("/account/mfa")).toBe("/account/mfa");
    expect(safeReturnPath("/acme/settings?tab=members#danger")).toBe("/acme/settings?tab=members#danger");
  });

  it("refuses everything that could leave the site (no open redirect)", () => {
    for (const next of [
      "https://evil.example",
      "//evil.example/path",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "javascript:alert(1)",
      "evil.example",
      "",
      undefined,
      ["/account"],
      `/${"a".repeat(3000)}`,
    ]) {
      expect(safeReturnPath(next), JSON.stringify(next)).toBe("/account");
    }
  });
});
