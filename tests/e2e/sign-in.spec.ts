import type { Page } from "@playwright/test";
import { DEMO_PASSWORD } from "../../prisma/demo-data";
import { expect, signedInPage, test, visit } from "./fixtures";

const sessionCookieOf = async (page: Page) =>
  (await page.context().cookies()).find((cookie) => cookie.name.endsWith("next-auth.session-token"));

test.describe("sign-in", () => {
  test("the demo owner signs in with the form, sees the account page, and signs out", async ({
    page,
    problems,
  }) => {
    await visit(page, "/sign-in");
    await page.getByLabel("Email").fill("owner@example.com");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();

    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByText("Signed in as")).toContainText("owner@example.com");
    // The header knows: no "Sign in" offered to someone signed in.
    const header = page.getByRole("navigation", { name: "Main" });
    await expect(header.getByRole("link", { name: "Your account" })).toBeVisible();
    await expect(header.getByRole("link", { name: "Sign in" })).toHaveCount(0);

    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name.endsWith("next-auth.session-token"));
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Lax" });

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/$/);
    await visit(page, "/account");
    await expect(page).toHaveURL(/\/sign-in/);
    expect(problems.cspViolations).toEqual([]);
  });

  test("session fixation: a session cookie planted before sign-in is replaced by one the server mints", async ({
    page,
    browser,
  }) => {
    // The attacker signs in to their own account and plants that session in the victim's browser (a
    // shared computer, a sibling subdomain), hoping the victim signs in on top of it. Planted after
    // the sign-in page has loaded, since the page sends a signed-in visitor away.
    const attackerPage = await signedInPage(browser, "member@example.com");
    const attackers = await sessionCookieOf(attackerPage);
    expect(attackers?.value).toBeTruthy();
    await visit(page, "/sign-in");
    const planted = { name: attackers?.name as string, value: attackers?.value as string, url: page.url() };
    await page.context().addCookies([planted]);

    // The form as it was loaded (submitSignIn would load the page again, with the cookie now set).
    await page.getByLabel("Email").fill("owner@example.com");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(page).toHaveURL(/\/account$/, { timeout: 20_000 });
    await expect(page.getByText("Signed in as")).toContainText("owner@example.com");
    const minted = await sessionCookieOf(page);
    expect(minted?.value).toBeTruthy();
    expect(minted?.value).not.toBe(planted.value);

    // What the attacker holds still opens only their own account, never the victim's.
    await page.context().clearCookies();
    await page.context().addCookies([planted]);
    await visit(page, "/account");
    await expect(page.getByText("Signed in as")).toContainText("member@example.com");
    await attackerPage.context().close();
  });

  test("a wrong password and an unknown email get the same message", async ({ page }) => {
    const messages: string[] = [];
    for (const [email, password] of [
      ["owner@example.com", "not the right password"],
      ["nobody@example.com", DEMO_PASSWORD],
    ]) {
      await visit(page, "/sign-in");
      await page.getByLabel("Email").fill(email as string);
      await page.getByLabel("Password").fill(password as string);
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.locator("form").getByRole("alert");
      await expect(alert).toBeVisible();
      messages.push((await alert.textContent()) ?? "");
      await expect(page).toHaveURL(/\/sign-in/);
    }
    expect(messages[0]).toBe(messages[1]);
  });

  test("a form bot that fills the hidden honeypot field is refused like a wrong password, right password or not", async ({
    page,
  }) => {
    await visit(page, "/sign-in");
    await page.getByLabel("Email").fill("owner@example.com");
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.locator('input[name="website"]').fill("https://spam.example", { force: true });
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form").getByRole("alert")).toContainText("The email or password is incorrect");
    await expect(page).toHaveURL(/\/sign-in/);
    expect(await sessionCookieOf(page)).toBeUndefined();
  });

  test("a signed-out visitor of the account page is sent to sign in", async ({ page }) => {
    await visit(page, "/account");
    await expect(page).toHaveURL(/\/sign-in/);
  });

  test("an unlock link that is missing or spent explains itself, with no CSP violations", async ({
    page,
    problems,
  }) => {
    await visit(page, "/unlock?token=spent-or-made-up-token-0123456789");
    await page.getByRole("button", { name: "Unlock my account" }).click();
    // (Next.js keeps its own empty role="alert" route announcer on every page, so look for the text.)
    await expect(page.getByText("This unlock link is invalid, already used or expired")).toBeVisible();
    expect(problems.cspViolations).toEqual([]);
  });
});
