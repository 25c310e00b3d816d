// Every public form carries a honeypot (components/honeypot-field.tsx): a field people never see and
// form bots fill in. Filled in, the form does nothing (no account, no mail, no token spent, no
// password, address, lock or verification changed) and answers what a person gets when it works, so
// a bot can't tell; sign-in answers it like a wrong password, without checking the password. Each
// test then sends the same form without the honeypot, to show it would have worked: the answer is
// the same, and this time the change happens.
//
// Server actions and next-auth's route run as Next.js runs them, inside a request scope
// (tests/support/next-request.ts), through the real action() wrapper and NextAuth handler.
import { describe, expect, it } from "vitest";
import { confirmEmailChangeAction, undoEmailChangeAction } from "@/app/(auth)/email-change/actions";
import { requestPasswordResetAction } from "@/app/(auth)/forgot-password/actions";
import { resetPasswordAction } from "@/app/(auth)/reset-password/actions";
import { signUpAction } from "@/app/(auth)/sign-up/actions";
import { unlockAccountAction } from "@/app/(auth)/unlock/actions";
import { verifyEmailAction } from "@/app/(auth)/verify-email/actions";
import { createToken, hashToken } from "@/lib/auth";
import type { Prisma } from "@/lib/db";
import { HONEYPOT_FIELD, type WrappedAction } from "@/lib/http";
import { listDevMail } from "@/lib/mail";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { setsSessionCookie, signInThroughNextAuth } from "../support/next-auth-requests";
import { createTestUser, freshIp, TEST_PASSWORD } from "../support/users";

/** What a form bot types into every field it finds. */
const BOT = "https://cheap-pills.example";
/** A new password the policy accepts. */
const NEW_PASSWORD = "pebble harbour lantern quiet";

const mailCount = async () => (await listDevMail()).length;

/** A usable emailed link's token for `userId`, stored hashed as the app stores it. */
async function emailedToken(
  userId: string,
  purpose: Prisma.AuthTokenCreateManyInput["purpose"],
  email: string | null = null,
): Promise<string> {
  const token = createToken();
  await testDb().authToken.create({
    data: {
      userId,
      purpose,
      email,
      tokenHash: hashToken(token),
      expiresAt: new Date(Date.now() + 60 * 60_000),
    },
  });
  return token;
}

const tokenSpent = async (token: string) =>
  (await testDb().authToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } })).usedAt !== null;

const securityEventsAbout = (userId: string) =>
  testDb().auditEvent.count({ where: { OR: [{ actorId: userId }, { targetId: userId }] } });

describe("the honeypot of a form that answers on the page", () => {
  it("sign-up: a bot gets the inbox message, and no account or mail is made", async () => {
    const email = `bot-${Date.now()}@example.com`;
    const mailsBefore = await mailCount();
    const bot = await submitAction(signUpAction, { email, password: TEST_PASSWORD, [HONEYPOT_FIELD]: BOT });
    expect(await testDb().user.count({ where: { email } })).toBe(0);
    expect(await mailCount()).toBe(mailsBefore);

    const person = await submitAction(signUpAction, { email, password: TEST_PASSWORD });
    expect(bot).toEqual(person);
    expect(person).toEqual({ status: "ok", message: expect.stringContaining("Check your inbox") });
    expect(await testDb().user.count({ where: { email } })).toBe(1);
    expect(await mailCount()).toBe(mailsBefore + 1);
  });

  it("forgot-password: a bot gets the link-on-its-way message, and no link is made or mailed", async () => {
    const user = await createTestUser();
    const mailsBefore = await mailCount();
    const bot = await submitAction(requestPasswordResetAction, { email: user.email, [HONEYPOT_FIELD]: BOT });
    expect(await testDb().authToken.count({ where: { userId: user.id } })).toBe(0);
    expect(await securityEventsAbout(user.id)).toBe(0);
    expect(await mailCount()).toBe(mailsBefore);

    const person = await submitAction(requestPasswordResetAction, { email: user.email });
    expect(bot).toEqual(person);
    expect(person).toEqual({ status: "ok", message: expect.stringContaining("we sent it a link") });
    expect(await testDb().authToken.count({ where: { userId: user.id, purpose: "PASSWORD_RESET" } })).toBe(1);
    expect(await mailCount()).toBe(mailsBefore + 1);
  });
});

/** The forms an emailed link opens: a button (and for a reset, the new password) that spends the token. */
type LinkForm = {
  form: string;
  action: WrappedAction<unknown>;
  purpose: Prisma.AuthTokenCreateManyInput["purpose"];
  /** The account as the link finds it. */
  user?: Partial<Prisma.UserCreateInput>;
  /** The address an email-change token carries. */
  tokenEmail?: string;
  fields?: Record<string, string>;
  /** Where the form sends a person whose link worked. */
  success: string;
  /** The column the form changes. */
  changes: "passwordHash" | "lockedUntil" | "emailVerifiedAt" | "email";
};

const uniqueAddress = (label: string) => `${label}-${createToken().slice(0, 10).toLowerCase()}@example.com`;

const linkForms: LinkForm[] = [
  {
    form: "reset-password",
    action: resetPasswordAction,
    purpose: "PASSWORD_RESET",
    fields: { password: NEW_PASSWORD },
    success: "/sign-in?notice=password-reset",
    changes: "passwordHash",
  },
  {
    form: "unlock",
    action: unlockAccountAction,
    purpose: "ACCOUNT_UNLOCK",
    user: { lockedUntil: new Date(Date.now() + 15 * 60_000), failedSignInCount: 10 },
    success: "/unlock?done=1",
    changes: "lockedUntil",
  },
  {
    form: "verify-email",
    action: verifyEmailAction,
    purpose: "EMAIL_VERIFICATION",
    user: { emailVerifiedAt: null },
    success: "/sign-in?notice=verified",
    changes: "emailVerifiedAt",
  },
  {
    form: "email-change/confirm",
    action: confirmEmailChangeAction,
    purpose: "EMAIL_CHANGE",
    tokenEmail: uniqueAddress("new"),
    success: "/email-change/confirm?done=1",
    changes: "email",
  },
  {
    form: "email-change/undo",
    action: undoEmailChangeAction,
    purpose: "EMAIL_CHANGE_UNDO",
    tokenEmail: uniqueAddress("old"),
    success: "/email-change/undo?done=1",
    changes: "email",
  },
];

describe("the honeypot of a form an emailed link opens", () => {
  it.each(linkForms.map((link) => [link.form, link] as const))(
    "%s: a bot is sent where a person is sent, and the link does nothing",
    async (_, link) => {
      const user = await createTestUser(link.user);
      const token = await emailedToken(user.id, link.purpose, link.tokenEmail ?? null);
      const fields = { token, ...link.fields };
      const mailsBefore = await mailCount();

      const bot = await submitAction(link.action, { ...fields, [HONEYPOT_FIELD]: BOT });
      expect(bot).toEqual({ status: "redirect", to: link.success });
      // Nothing moved: the account row (updatedAt included), the token, the audit log, the mailbox.
      expect(
        await testDb().user.findUniqueOrThrow({ where: { id: user.id }, omit: { passwordHash: false } }),
      ).toEqual(user);
      expect(await tokenSpent(token)).toBe(false);
      expect(await securityEventsAbout(user.id)).toBe(0);
      expect(await mailCount()).toBe(mailsBefore);

      // The same link in a person's hands: the same answer, and it works.
      expect(await submitAction(link.action, fields)).toEqual(bot);
      const after = await testDb().user.findUniqueOrThrow({
        where: { id: user.id },
        omit: { passwordHash: false },
      });
      expect(after[link.changes]).not.toEqual(user[link.changes]);
      expect(await tokenSpent(token)).toBe(true);
    },
  );
});

describe("the honeypot of the sign-in form", () => {
  /** Signs in with the credentials provider as next-auth/react's signIn() does; returns its answer. */
  async function signIn(fields: Record<string, string>) {
    const response = await (await signInThroughNextAuth(fields, freshIp())).finished;
    return { status: response.status, body: await response.json(), setsSession: setsSessionCookie(response) };
  }

  it("answers like a wrong password, without checking the password or counting a failure", async () => {
    const user = await createTestUser();

    const bot = await signIn({ email: user.email, password: TEST_PASSWORD, [HONEYPOT_FIELD]: BOT });
    const wrongPassword = await signIn({ email: user.email, password: "not the password at all" });
    expect(bot).toEqual(wrongPassword);
    expect(bot).toMatchObject({ status: 401, setsSession: false });
    // The wrong password counted a failure and was audited; the bot left no trace on the account.
    const events = await testDb().auditEvent.findMany({
      where: { targetId: user.id },
      select: { action: true },
    });
    expect(events).toEqual([{ action: "auth.sign_in.failed" }]);
    expect(await testDb().user.findUniqueOrThrow({ where: { id: user.id } })).toMatchObject({
      failedSignInCount: 1,
      lastSignInAt: null,
    });

    // With the honeypot empty, the same password signs in.
    expect(await signIn({ email: user.email, password: TEST_PASSWORD, [HONEYPOT_FIELD]: "" })).toMatchObject({
      status: 200,
      setsSession: true,
    });
  });
});
