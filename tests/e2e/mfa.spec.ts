// Issue 3's browser journeys for MFA and lockout, in chromium against the production build:
// (2) a verified user enrols TOTP and signs out; (3) signs in with TOTP, then with a recovery code,
// and sees the same code refused the second time; (5) hits the lockout, and the lockout email
// arrives at the SMTP catcher. Demo accounts: member@ for MFA (the journeys end by turning MFA off
// again, leaving the account as the suite found it), and admin@, which no other journey signs in
// as, for the lockout. Every sign-in attempt counts toward the per-account limit (10 per 15
// minutes), so the lockout needs an account with no sign-ins earlier in the run.
import type { Page } from "@playwright/test";
import { generateSync } from "otplib";
import { DEMO_PASSWORD } from "../../prisma/demo-data";
import { fetchCaughtMail } from "../support/smtp-catcher";
import { expect as baseExpect, test, visit } from "./fixtures";
import { mailCatcherUrl } from "./ports";

// Each journey signs in several times, and enrolment hashes ten recovery codes (argon2id). On a busy
// 2-core machine a step can take over Playwright's default 5 s and a journey over 30 s; these are
// budgets for waiting, not assertions about speed.
const expect = baseExpect.configure({ timeout: 30_000 });
test.describe.configure({ timeout: 180_000 });

const MFA_EMAIL = "member@example.com";
const LOCKOUT_EMAIL = "admin@example.com";
const WRONG_CREDENTIALS = "The email or password is incorrect, or the account can't sign in right now.";

/** What an authenticator app shows for `secret`, `steps` time steps (30 s) from now. */
const totp = (secret: string, steps = 0) =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

async function submitPassword(page: Page, password: string, email = MFA_EMAIL) {
  await visit(page, "/sign-in");
  // No OAuth keys in this suite's environment, so the page offers no provider.
  await expect(page.getByText("Or continue with")).toHaveCount(0);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function signOut(page: Page) {
  await visit(page, "/account");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
}

test.describe
  .serial("MFA journeys", () => {
    let secret = "";
    let recoveryCodes: string[] = [];

    test("(2) a verified user enrols TOTP from the QR page's setup key, then signs out", async ({
      page,
      problems,
    }) => {
      await submitPassword(page, DEMO_PASSWORD);
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
      // Shown once: a reload shows how many are left, not the codes.
      await page.reload();
      await expect(page.getByText("10 unused recovery codes are left.")).toBeVisible();
      await expect(page.getByText(recoveryCodes[0] as string)).toHaveCount(0);

      // Enrolling kept this session (it ended all the others).
      await signOut(page);
      expect(problems.cspViolations).toEqual([]);
      expect(problems.consoleErrors).toEqual([]);
    });

    test("(3) signs in with a TOTP code; a pending session reaches nothing else", async ({ page }) => {
      await submitPassword(page, DEMO_PASSWORD);
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
      const [first, second] = recoveryCodes as [string, string];
      await submitPassword(page, DEMO_PASSWORD);
      await page.getByLabel("Authentication code").fill(first);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page).toHaveURL(/\/account\/mfa\?codesLeft=9$/);
      await expect(
        page.getByText("You signed in with a recovery code. It can't be used again: you have 9 left."),
      ).toBeVisible();
      await signOut(page);

      await submitPassword(page, DEMO_PASSWORD);
      await page.getByLabel("Authentication code").fill(first);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page.locator("form").getByRole("alert")).toHaveText(
        "That recovery code isn't valid or was already used. Each code works once.",
      );
      await expect(page).toHaveURL(/\/sign-in\/mfa$/);

      // Another code works; turning MFA off again (a fresh sign-in counts as the step-up) leaves the
      // demo account as the suite found it.
      await page.getByLabel("Authentication code").fill(second);
      await page.getByRole("button", { name: "Verify" }).click();
      await expect(page).toHaveURL(/codesLeft=8$/);
      await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
      await expect(page.getByText("Two-factor authentication is off.")).toBeVisible();
      await signOut(page);
    });
  });

test("(5) ten wrong passwords get the same answer and lock the account; the lockout email arrives", async ({
  page,
  request,
}) => {
  await request.delete(`${mailCatcherUrl}/messages`);
  for (let attempt = 1; attempt <= 10; attempt++) {
    await submitPassword(page, `not the password, attempt ${attempt}`, LOCKOUT_EMAIL);
    await expect(page.locator("form").getByRole("alert")).toHaveText(WRONG_CREDENTIALS);
  }
  const mail = await fetchCaughtMail(mailCatcherUrl, { to: LOCKOUT_EMAIL, subject: "locked" });
  const link = mail.text.match(/https?:\/\/\S+\/unlock\?token=[\w-]+/)?.[0];
  expect(link).toBeDefined();

  await visit(page, new URL(link as string).pathname + new URL(link as string).search);
  await page.getByRole("button", { name: "Unlock my account" }).click();
  await expect(page.getByText("Your account is unlocked.")).toBeVisible();
});
