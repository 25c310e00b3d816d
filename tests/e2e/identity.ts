// Helpers for the identity journeys: read what the SMTP catcher caught, and walk the forms.
import { randomUUID } from "node:crypto";
import type { Page } from "@playwright/test";
import type { CaughtMail } from "../support/smtp-catcher";
import { expect, signedInPage, submitSignIn, test, visit } from "./fixtures";
import { mailCatcherUrl } from "./ports";

export { expect, signedInPage, submitSignIn, test, visit };

/** A password the policy accepts (long, not breached, no email or product name in it). */
export const NEW_USER_PASSWORD = "pebble harbour lantern quiet";

export const uniqueEmail = (label: string) => `${label}-${randomUUID().slice(0, 8)}@example.com`;

/** Every caught message to `address`, oldest first. */
export async function mailsTo(address: string): Promise<CaughtMail[]> {
  const response = await fetch(`${mailCatcherUrl}/messages`);
  const all = (await response.json()) as CaughtMail[];
  return all.filter((mail) => mail.envelope.to.some((to) => to.toLowerCase() === address.toLowerCase()));
}

/** Waits until `address` has more than `alreadySeen` messages and returns the newest. */
export async function nextMailTo(address: string, alreadySeen = 0): Promise<CaughtMail> {
  await expect
    .poll(async () => (await mailsTo(address)).length, { timeout: 15_000, message: `mail to ${address}` })
    .toBeGreaterThan(alreadySeen);
  const mails = await mailsTo(address);
  return mails[mails.length - 1] as CaughtMail;
}

/** The one link of `path` in a mail's text part, as an absolute URL on the app. */
export function linkIn(mail: CaughtMail, path: string): string {
  const escaped = path.replace(/[/-]/g, "\\$&");
  const link = mail.text.match(new RegExp(`https?://[^\\s]+${escaped}\\?token=[A-Za-z0-9_-]+`))?.[0];
  if (!link) throw new Error(`no ${path} link in "${mail.subject}":\n${mail.text}`);
  return link;
}

export async function fillSignUp(page: Page, email: string, password = NEW_USER_PASSWORD): Promise<void> {
  await visit(page, "/sign-up");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Name (optional)").fill("Grace");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Signs up a new address and verifies it from the mailed link, signed out; returns the address. */
export async function createVerifiedAccount(page: Page, label: string): Promise<string> {
  const email = uniqueEmail(label);
  await fillSignUp(page, email);
  await expect(page.getByText("Check your inbox")).toBeVisible();
  await visit(page, linkIn(await nextMailTo(email), "/verify-email"));
  await page.getByRole("button", { name: "Verify my email address" }).click();
  await expect(page).toHaveURL(/\/sign-in\?notice=verified$/);
  return email;
}
