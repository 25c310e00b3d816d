// Lockout that an attacker can't turn into a denial of service, in a real browser against the
// production build: the owner's browsers that signed in before (or opened the unlock link) keep
// signing in while an attacker keeps the account locked for every other browser (decision 0027).
import type { Browser, Page } from "@playwright/test";
import { freshClientIp } from "./fixtures";
import {
  createVerifiedAccount,
  expect,
  linkIn,
  mailsTo,
  NEW_USER_PASSWORD,
  nextMailTo,
  submitSignIn,
  test,
  visit,
} from "./identity";

const WRONG_CREDENTIALS = "The email or password is incorrect, or the account can't sign in right now.";

/** Another browser (its own cookies and client address). */
async function newBrowser(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-for": freshClientIp() } });
  return context.newPage();
}

/** Ten wrong passwords from a browser of the attacker's: the account locks. */
async function lockOut(browser: Browser, email: string): Promise<void> {
  const attacker = await newBrowser(browser);
  for (let attempt = 1; attempt <= 10; attempt++) {
    await submitSignIn(attacker, email, `attacker's guess ${attempt}`);
    await expect(attacker.locator("form").getByRole("alert")).toHaveText(WRONG_CREDENTIALS);
  }
  await attacker.context().close();
}

async function signsIn(page: Page, email: string): Promise<void> {
  await submitSignIn(page, email, NEW_USER_PASSWORD);
  await expect(page).toHaveURL(/\/account$/, { timeout: 20_000 });
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/$/);
}

async function isRefused(page: Page, email: string): Promise<void> {
  await submitSignIn(page, email, NEW_USER_PASSWORD);
  await expect(page.locator("form").getByRole("alert")).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);
}

test("an attacker's lockout stops unknown browsers, not the owner's browser that signed in before or opened the unlock link", async ({
  page,
  browser,
  problems,
}) => {
  // Two lockouts of ten sign-ins each, plus the owner's: argon2id each time, on a shared machine.
  test.setTimeout(120_000);
  const email = await createVerifiedAccount(page, "device");
  await signsIn(page, email);
  const device = (await page.context().cookies()).find((cookie) =>
    cookie.name.startsWith("shipshape-device."),
  );
  expect(device).toMatchObject({ httpOnly: true, sameSite: "Lax", path: "/" });
  expect((device?.expires ?? 0) * 1000 - Date.now()).toBeGreaterThan(364 * 24 * 60 * 60 * 1000);

  const seen = (await mailsTo(email)).length;
  await lockOut(browser, email);
  const stranger = await newBrowser(browser);
  await isRefused(stranger, email);
  // The owner's browser gets in with the right password, and the lock stays for everyone else.
  await signsIn(page, email);
  await isRefused(stranger, email);

  // On a browser it never used, the owner opens the unlock link: that browser becomes a device, so
  // the attacker locking the account again at once doesn't stop it.
  const laptop = await newBrowser(browser);
  await visit(laptop, linkIn(await nextMailTo(email, seen), "/unlock"));
  await laptop.getByRole("button", { name: "Unlock my account" }).click();
  await expect(laptop.getByText("Your account is unlocked.")).toBeVisible();
  await lockOut(browser, email);
  await isRefused(stranger, email);
  await signsIn(laptop, email);

  expect(problems.cspViolations).toEqual([]);
  await stranger.context().close();
  await laptop.context().close();
});
