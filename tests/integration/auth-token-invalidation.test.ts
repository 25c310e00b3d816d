// Outstanding emailed links die when a change to the account breaks what they mean (issue 11): every
// kind of link (every AuthTokenPurpose) against every change that can break one (the password changed
// or reset, the address changed or restored, MFA turned on or off), each through the lib function
// the app calls. The expected table is written out here, independently of lib/auth's LINKS_ENDED_BY,
// and must name every purpose the schema has.
import { randomUUID } from "node:crypto";
import { generateSync } from "otplib";
import { describe, expect, it } from "vitest";
import {
  changePassword,
  confirmEmailChange,
  confirmMfaEnrolment,
  createToken,
  disableMfa,
  hashToken,
  pendingEnrolment,
  resetPassword,
  startMfaEnrolment,
  undoEmailChange,
} from "@/lib/auth";
import { AuthTokenPurpose } from "@/lib/db/generated/client";
import { testDb } from "../support/db";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

type Purpose = keyof typeof AuthTokenPurpose;
const NEW_PASSWORD = "another perfectly fine passphrase";
const client = () => ({ ip: freshIp(), userAgent: "vitest" });
const newAddress = () => `moved-${randomUUID()}@example.com`;

/** An unspent link of `purpose` for the user, straight in the table as the flows store it; returns the token. */
async function outstandingLink(userId: string, purpose: Purpose, email?: string): Promise<string> {
  const token = createToken();
  const needsAddress = purpose === "EMAIL_CHANGE" || purpose === "EMAIL_CHANGE_UNDO";
  await testDb().authToken.create({
    data: {
      userId,
      purpose,
      tokenHash: hashToken(token),
      email: email ?? (needsAddress ? newAddress() : null),
      expiresAt: new Date(Date.now() + 60 * 60_000),
    },
  });
  return token;
}

async function enrolMfa(userId: string) {
  await startMfaEnrolment(userId);
  const pending = await pendingEnrolment(userId, { authAt: Date.now() });
  const code = generateSync({ secret: pending?.secret ?? "", epoch: Math.floor(Date.now() / 1000) });
  await confirmMfaEnrolment(userId, code, client());
}

/**
 * Each change as the app makes it: `prepare` runs before the link under test is issued (so a link
 * the change itself spends, or an MFA enrolment to turn off, is not the one watched).
 */
const CHANGES: Record<
  string,
  {
    prepare?: (userId: string) => Promise<() => Promise<unknown>>;
    run?: (userId: string) => Promise<unknown>;
  }
> = {
  "password changed": {
    run: (userId) =>
      changePassword({
        userId,
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
        authAt: Date.now() - 60 * 60_000,
        ...client(),
      }),
  },
  "password reset": {
    prepare: async (userId) => {
      const token = await outstandingLink(userId, "PASSWORD_RESET");
      return () => resetPassword({ token, password: NEW_PASSWORD, ...client() });
    },
  },
  "address changed": {
    prepare: async (userId) => {
      const token = await outstandingLink(userId, "EMAIL_CHANGE", newAddress());
      return () => confirmEmailChange(token, client());
    },
  },
  "address restored by the undo link": {
    prepare: async (userId) => {
      const token = await outstandingLink(userId, "EMAIL_CHANGE_UNDO", newAddress());
      return () => undoEmailChange(token, client());
    },
  },
  "MFA turned on": { run: enrolMfa },
  "MFA turned off": {
    prepare: async (userId) => {
      await enrolMfa(userId);
      return () => disableMfa(userId, client());
    },
  },
};

type Change = keyof typeof CHANGES;
const ALL = Object.keys(CHANGES) as Change[];

/** Which changes end an outstanding link of each purpose. */
const ENDED_BY: Record<Purpose, Change[]> = {
  PASSWORD_RESET: ALL,
  EMAIL_CHANGE: ALL,
  EMAIL_VERIFICATION: ["address changed", "address restored by the undo link"],
  ACCOUNT_UNLOCK: [
    "password changed",
    "password reset",
    "address changed",
    "address restored by the undo link",
  ],
  // The owner's way back from a hijack survives everything a hijacker can do; spending one (the
  // undo) ends the others.
  EMAIL_CHANGE_UNDO: ["address restored by the undo link"],
};

describe("outstanding emailed links after a change to the account", () => {
  it("the table covers every kind of link the schema has", () => {
    expect(Object.keys(ENDED_BY).sort()).toEqual(Object.keys(AuthTokenPurpose).sort());
  });

  const cases = (Object.keys(ENDED_BY) as Purpose[]).flatMap((purpose) =>
    ALL.map((change) => ({ purpose, change, ends: ENDED_BY[purpose].includes(change) })),
  );

  it.each(cases)("$purpose after $change: ended $ends", async ({ purpose, change, ends }) => {
    const user = await createTestUser();
    const { prepare, run } = CHANGES[change] ?? {};
    const makeChange = prepare
      ? await prepare(user.id)
      : () => (run as (id: string) => Promise<unknown>)(user.id);
    const token = await outstandingLink(user.id, purpose);
    await makeChange();
    const row = await testDb().authToken.findUnique({ where: { tokenHash: hashToken(token) } });
    expect({ usable: row !== null && row.usedAt === null }).toEqual({ usable: !ends });
  });
});
