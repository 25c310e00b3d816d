// The audit log viewer and the platform admin area in chromium: an owner reads, filters and exports
// their organization's log (on the Pro plan, which includes the export) while a member is kept out;
// a platform admin signs in with password and TOTP, finds a user and disables them, which ends the
// user's session at once, and resends a newcomer's verification email.
import { readFile } from "node:fs/promises";
import { generateSync } from "otplib";
import {
  e2eDatabaseUrl,
  expect,
  runSetupScript,
  signedInPage,
  skipWithout,
  submitSignIn,
  test,
  visit,
} from "./fixtures";
import { mailsTo } from "./identity";
import { fakeStripeUrl } from "./ports";

// Form posts render a page on the server before navigating: allow for a busy machine.
const NAVIGATION = { timeout: 20_000 };

// Several signed-in browsers and a helper process per test: more than the default 30 s on 2 cores.
test.describe.configure({ timeout: 120_000 });

type Users = {
  admin: { id: string; email: string; totpSecret: string };
  user: { id: string; email: string };
  org: { slug: string; stripeCustomerId: string };
  owner: { id: string; email: string };
  member: { id: string; email: string };
  newcomer: { id: string; email: string };
};

/** Fresh accounts for this spec, made through lib functions (audit-admin-users.ts). */
const createUsers = (databaseUrl: string) =>
  runSetupScript<Users>("tests/e2e/audit-admin-users.ts", databaseUrl);

const databaseUrl = e2eDatabaseUrl();

test.describe("the audit log and the platform admin area", () => {
  skipWithout(
    databaseUrl === null,
    "needs TEST_DATABASE_URL (the e2e app's database on a server) to create the test's accounts",
  );

  test("an owner reads the organization's log, filters it and exports it; a member can't open it", async ({
    page,
    browser,
    problems,
  }) => {
    const { member, owner, org: created } = createUsers(databaseUrl as string);
    const org = created.slug;
    // A member tries the export: refused, and the refusal is itself in the log.
    const memberPage = await signedInPage(browser, member.email);
    expect((await memberPage.request.get(`/api/orgs/${org}/audit/export`)).status()).toBe(403);
    expect((await visit(memberPage, `/${org}/audit`)).status()).toBe(404);
    await visit(memberPage, `/${org}`);
    await expect(memberPage.getByRole("navigation", { name: "Organization" })).not.toContainText("Audit");

    await submitSignIn(page, owner.email);
    await expect(page).toHaveURL(/\/account$/, NAVIGATION);
    // Loaded, not "network idle": the owner's navigation prefetches every section, and a prefetch of
    // a section whose page isn't there (billing, until its module is merged) never settles.
    await page.goto(`/${org}`);
    await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Audit" }).click();
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible(NAVIGATION);
    await expect(page.getByRole("row").filter({ hasText: "authz.denied" }).first()).toContainText(
      member.email,
    );

    await page.getByLabel("Action").selectOption("authz");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/action=authz/, NAVIGATION);
    await expect(page.getByRole("row").filter({ hasText: "auth.sign_in" })).toHaveCount(0);

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), "utf8");
    const [header, ...rows] = csv.trimEnd().split("\r\n");
    expect(header).toMatch(/^at,action,actor_type,actor_id,actor_email,/);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.includes(",authz.denied,"))).toBe(true);
    expect(rows[0]).toContain(member.email);

    // The export is in the log too, with its filter and row count.
    await page.getByRole("link", { name: "Clear" }).click();
    await expect(page.getByRole("row").filter({ hasText: "audit.exported" }).first()).toContainText(
      `"rows":${rows.length}`,
      NAVIGATION,
    );
    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
    // Not a platform admin: the admin area doesn't exist for them.
    expect((await page.request.get("/admin/users")).status()).toBe(404);
  });

  test("a platform admin signs in with TOTP, finds a user and disables them; the user's session ends at once", async ({
    page,
    browser,
    problems,
  }) => {
    const { admin, user, newcomer, org } = createUsers(databaseUrl as string);
    const customer = await signedInPage(browser, user.email);

    // The admin signs in with the password, then passes the TOTP challenge with their app's code.
    await submitSignIn(page, admin.email);
    await expect(page).toHaveURL(/\/sign-in\/mfa$/, NAVIGATION);
    await page.getByLabel("Authentication code").fill(generateSync({ secret: admin.totpSecret }));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/\/account$/, NAVIGATION);
    await page.getByRole("link", { name: "Platform admin" }).click();
    await expect(page).toHaveURL(/\/admin\/users$/, NAVIGATION);

    await page.getByLabel("Find a user").fill(user.email.split("@")[0]?.toUpperCase() as string);
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByRole("row")).toHaveCount(2, NAVIGATION);
    await page.getByRole("link", { name: user.email }).click();
    await expect(page.getByRole("heading", { name: user.email })).toBeVisible(NAVIGATION);

    await page.getByRole("button", { name: "Disable account" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Account disabled." })).toBeVisible(NAVIGATION);
    await expect(page.getByText("disabled since")).toBeVisible();
    await expect(page.getByRole("button", { name: "Enable account" })).toBeVisible();

    // The customer's open session is over, and signing in again is refused.
    await visit(customer, "/account");
    await expect(customer).toHaveURL(/\/sign-in/);
    await submitSignIn(customer, user.email);
    await expect(customer.locator("form").getByRole("alert")).toBeVisible(NAVIGATION);
    await expect(customer).toHaveURL(/\/sign-in/);

    // A newcomer whose first email never came: the admin sends a fresh link, which arrives.
    await visit(page, `/admin/users/${newcomer.id}`);
    await page.getByRole("button", { name: "Resend verification email" }).click();
    await expect(page.getByRole("status").filter({ hasText: "A new verification link" })).toBeVisible(
      NAVIGATION,
    );
    await expect.poll(async () => (await mailsTo(newcomer.email)).length, NAVIGATION).toBe(1);
    expect((await mailsTo(newcomer.email))[0]?.text).toContain("/verify-email?token=");

    // A customer asks for their money back: the admin finds the organization and refunds the charge
    // (the fake Stripe holds it; the admin passed TOTP minutes ago, so no re-authentication is asked).
    const chargeId = `ch_e2e${org.slug.replace(/[^a-z0-9]/g, "")}`;
    await page.request.post(`${fakeStripeUrl}/__fake/charges`, {
      data: { id: chargeId, customer: org.stripeCustomerId, amount: 2900 },
    });
    await visit(page, "/admin/organizations");
    await page.getByRole("link", { name: org.slug, exact: true }).click();
    await expect(page.getByRole("heading", { name: "Refund a payment" })).toBeVisible(NAVIGATION);
    await page.getByLabel("Charge id").fill(chargeId);
    await page.getByLabel("Amount").fill("500");
    await page.getByLabel("Reason").selectOption("requested_by_customer");
    await page.getByRole("button", { name: "Refund" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Refund re_" })).toContainText(
      "500 USD",
      NAVIGATION,
    );
    await visit(page, `/admin/audit?org=${org.slug}`);
    await expect(page.getByRole("row").filter({ hasText: "billing.refund.created" })).toContainText(
      admin.email,
    );

    // The admin can't disable themselves, and the actions are in the platform log with them as actor.
    await visit(page, `/admin/users/${admin.id}`);
    await expect(page.getByText("You can't disable your own account.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Disable account" })).toHaveCount(0);
    await visit(page, "/admin/audit?action=admin");
    const event = page
      .getByRole("row")
      .filter({ hasText: "admin.user.disabled" })
      .filter({ hasText: user.email });
    await expect(event).toContainText(admin.email);
    await expect(
      page
        .getByRole("row")
        .filter({ hasText: "admin.user.verification_resent" })
        .filter({ hasText: newcomer.email }),
    ).toContainText(admin.email);
    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
  });
});
