// Issue 3's browser journeys for MFA and lockout, in chromium against the production build:
// (2) sign up, verify, sign in, enrol TOTP and sign out; (3) sign in with TOTP, then with a recovery
// code, and see the same code refused the second time; (5) hit the lockout, and the lockout email
// arrives at the SMTP catcher. Each journey makes its own account through the sign-up form, so the
// demo accounts (and their per-account sign-in limits) are left to the other journeys.
import type { Page } from "@playwright/test";
import { generateSync } from "otplib";
import {
  expect as baseExpect,
  createVerifiedAccount,
  linkIn,
  mailsTo,
  NEW_USER_PASSWORD,
  nextMailTo,
  submitSignIn,
  test,
  visit,
} from "./identity";

// Each journey signs in several times, and enrolment hashes ten recovery codes (argon2id). On a busy
// 2-core machine a step can take over Playwright's default 5 s and a journey over 30 s; these are
// budgets for waiting, not assertions about speed.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 180_000 });

const WRONG_CREDENTIALS = "The email or password is incorrect, or the account can't sign in right now.";

/** What an authenticator app shows for `secret`, `steps` time steps (30 s) from now. */
const totp = (secret: string, steps = 0) =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function signOut(page: Page) {
  await visit(page, "/account");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
}

test.describe
  .serial("MFA journeys", () => {
    let email = "";
    let secret = "";
    let recoveryCodes: string[] = [];

    test("(2) a new user signs up, verifies, enrols TOTP from the setup key, and signs out", async ({
      page,
      problems,
    }) => {
      email = await createVerifiedAccount(page, "mfa");
      await submitSignIn(page, email, NEW_USER_PASSWORD);
      await expect(page).toHaveURL(/\/account$/);
      await page.getByRole("link", { name: "Two-factor authentication" }).click();
      await page.getByRole("button", { name: "Set up two-factor authentication" }).click();

      await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
      secret = ((await page.locator("code").textContent()) ?? "").replace(/\s/g, "");
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);

      await page.getByLabel("Code from the app").fill(totp(secret));
      await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
      await expect(page.getByRole("heading", { name: "Save your recovery codes" })).toBeVisible();
      recoveryCodes = await page
        .getByRole("list", { name: "Recovery codes" })
        .getByRole("listitem")
        .allTextContents();
      expect(recoveryCodes).toHaveLength(10);
      await page.getByRole("button", { name: "I've saved my recovery codes" }).click();
      await expect(page.getByRole("heading", { name: "Two-factor authentication is on" })).toBeVisible();
      // Shown once: a reload says how many are left, not what they are.
      await page.reload();
      await expect(page.getByText("10 unused recovery codes are left.")).toBeVisible();
      await expect(page.getByText(recoveryCodes[0] as string)).toHaveCount(0);
      // The owner is told by email.
      expect((await mailsTo(email)).map((mail) => mail.subject)).toContain(
        "Two-factor authentication was turned on for your Shipshape account",
      );

      // Enrolling ended every other session but kept this one.
      await signOut(page);
      expect(problems.cspViolations).toEqual([]);
      expect(problems.consoleErrors).toEqual([]);
    });

    test("(3) signs in with a TOTP code; until then the session reaches nothing else", async ({ page }) => {
      await submitSignIn(page, email, NEW_USER_PASSWORD);
      await expect(page).toHaveURL(/\/sign-in\/mfa$/);
      await visit(page, "/account/sessions");
      await expect(page).toHaveURL(/\/sign-in\/mfa$/);

      // The enrolment code was spent; the next window's code works.
      await page.getByLabel("Authentication code").fill(totp(secret, 1));
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page).toHaveURL(/\/account$/);
      await signOut(page);
    });

    test("(3) signs in with a recovery code once; the same code is refused the second time", async ({
      page,
    }) => {
      const [code] = recoveryCodes as [string];
      await submitSignIn(page, email, NEW_USER_PASSWORD);
      await page.getByLabel("Authentication code").fill(code);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page).toHaveURL(/\/account\/mfa\?codesLeft=9$/);
      await expect(
        page.getByText("You signed in with a recovery code. It can't be used again: you have 9 left."),
      ).toBeVisible();
      await signOut(page);

      await submitSignIn(page, email, NEW_USER_PASSWORD);
      await page.getByLabel("Authentication code").fill(code);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.locator("form").getByRole("alert")).toHaveText(
        "That recovery code isn't valid or was already used. Each code works once.",
      );
      await expect(page).toHaveURL(/\/sign-in\/mfa$/);

      // Abandoning the challenge ends the half-signed-in session.
      await page.getByRole("button", { name: "Sign out" }).click();
      await expect(page).toHaveURL(/\/sign-in$/);
      await visit(page, "/account");
      await expect(page).toHaveURL(/\/sign-in\?callbackUrl=/);
    });
  });

test("(5) ten wrong passwords get the same answer and lock the account; the lockout email arrives", async ({
  page,
}) => {
  const email = await createVerifiedAccount(page, "lockout");
  const seen = (await mailsTo(email)).length;
  for (let attempt = 1; attempt <= 10; attempt++) {
    await submitSignIn(page, email, `not the password, attempt ${attempt}`);
    await expect(page.locator("form").getByRole("alert")).toHaveText(WRONG_CREDENTIALS);
  }
  const mail = await nextMailTo(email, seen);
  expect(mail.subject).toBe("Your Shipshape account is locked");

  await visit(page, linkIn(mail, "/unlock"));
  await page.getByRole("button", { name: "Unlock my account" }).click();
  await expect(page.getByText("Your account is unlocked.")).toBeVisible();
});
