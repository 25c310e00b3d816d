// MFA enforcement in the browser: a platform admin without two-factor authentication is sent from
// the admin area to set it up, and gets in right after; a member of an organization that requires
// it is kept out of that organization, and nothing else, with a page that walks them through it.
import type { Page } from "@playwright/test";
import { generateSync } from "otplib";
import { e2eDatabaseUrl, expect, runSetupScript, signIn, skipWithout, test, visit } from "./fixtures";

// Enrolment hashes ten recovery codes (argon2id): allow for a busy 2-core machine.
const NAVIGATION = { timeout: 20_000 };
test.describe.configure({ timeout: 120_000 });

type Accounts = { admin: string; member: string; org: string };
const databaseUrl = e2eDatabaseUrl();

/** Sets up TOTP from the enrolment page the gate sent the person to, as they would with an app. */
async function enrolFromGate(page: Page) {
  await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
  const secret = ((await page.locator("code").textContent()) ?? "").replace(/\s/g, "");
  await page.getByLabel("Code from the app").fill(generateSync({ secret }));
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.getByRole("button", { name: "I've saved my recovery codes" }).click(NAVIGATION);
}

test.describe("MFA enforcement", () => {
  skipWithout(
    databaseUrl === null,
    "needs TEST_DATABASE_URL (the e2e app's database) to create its accounts",
  );

  test("a platform admin without MFA is walked through it before the admin area opens", async ({
    page,
    problems,
  }) => {
    const { admin } = runSetupScript<Accounts>("tests/e2e/mfa-enforcement-users.ts", databaseUrl as string);
    await signIn(page, admin);
    await visit(page, "/admin");
    await expect(page).toHaveURL(/\/account\/mfa\?required=admin$/);
    await expect(page.getByRole("status")).toContainText(
      "Platform administrators must use two-factor authentication before they can open the admin area.",
    );
    await enrolFromGate(page);
    await page.getByRole("link", { name: "Continue to the admin area" }).click();
    await expect(page).toHaveURL(/\/admin/, NAVIGATION);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    expect(page.url()).not.toContain("/account/mfa");
    expect(problems.consoleErrors).toEqual([]);
  });

  test("a member without MFA is kept out of an organization that requires it, and only that one", async ({
    page,
  }) => {
    const { member, org } = runSetupScript<Accounts>(
      "tests/e2e/mfa-enforcement-users.ts",
      databaseUrl as string,
    );
    await signIn(page, member);
    await visit(page, `/${org}`);
    await expect(page).toHaveURL(new RegExp(`/account/mfa\\?required=${org}$`));
    await expect(page.getByRole("status")).toContainText(
      `The organization "${org}" requires every member to use two-factor authentication.`,
    );
    // The API says the same to scripts, with a code they can act on.
    const api = await page.request.get(`/api/orgs/${org}/projects`);
    expect(api.status()).toBe(403);
    expect((await api.json()).error.code).toBe("mfa_required");
    // Their own account pages stay open.
    await visit(page, "/account/sessions");
    await expect(page).toHaveURL(/\/account\/sessions$/);

    await visit(page, `/account/mfa?required=${org}`);
    await enrolFromGate(page);
    await page.getByRole("link", { name: `Continue to ${org}` }).click();
    await expect(page).toHaveURL(new RegExp(`/${org}$`), NAVIGATION);
  });
});
