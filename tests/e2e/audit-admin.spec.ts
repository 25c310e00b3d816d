import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { Browser, Page } from "@playwright/test";
import { DEMO_PASSWORD } from "../../prisma/demo-data";
import { expect, test, visit } from "./fixtures";
import { appPort } from "./ports";

const appUrl = `http://127.0.0.1:${appPort}`;

// Several signed-in browsers and a helper process per test: more than the default 30 s on 2 cores.
test.describe.configure({ timeout: 120_000 });

async function signIn(page: Page, email: string) {
  await visit(page, "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Generous: the first sign-ins after the server starts compile and warm up on a busy machine.
  await expect(page).toHaveURL(/\/account$/, { timeout: 20_000 });
}

async function signedInPage(browser: Browser, email: string) {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, email);
  return page;
}

/** The e2e app's database (serve-app.ts makes `shipshape_e2e_<port>` on this server), or null when embedded. */
function e2eDatabaseUrl(): string | null {
  const server = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!server) return null;
  const url = new URL(server);
  url.pathname = `/shipshape_e2e_${appPort}`;
  return url.toString();
}

type AdminFixture = {
  admin: { id: string; email: string; totpSecret: string };
  user: { id: string; email: string };
  adminSession: { name: string; value: string };
};

/** A platform admin with MFA and a user to act on, made through lib functions (create-platform-admin.ts). */
function createPlatformAdmin(databaseUrl: string): AdminFixture {
  const output = execFileSync(
    "npx",
    ["tsx", "--conditions=react-server", "tests/e2e/create-platform-admin.ts"],
    {
      encoding: "utf8",
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        AUTH_SECRET: process.env.E2E_AUTH_SECRET,
        AUTH_ENCRYPTION_KEYS: process.env.E2E_AUTH_ENCRYPTION_KEYS,
        APP_URL: appUrl,
        LOG_LEVEL: "error",
      },
    },
  );
  const line = output.split("\n").find((text) => text.startsWith('{"admin"'));
  if (!line) throw new Error(`create-platform-admin.ts printed no fixture:\n${output}`);
  return JSON.parse(line) as AdminFixture;
}

test.describe("the organization's audit log", () => {
  test("an owner reads it, filters it and exports it; a member can't open it, nor the admin area", async ({
    page,
    browser,
    problems,
  }) => {
    // A member tries the export: refused, and the refusal is itself in the log.
    const member = await signedInPage(browser, "member@example.com");
    expect((await member.request.get("/api/orgs/acme/audit/export")).status()).toBe(403);
    expect((await visit(member, "/acme/audit")).status()).toBe(404);
    await visit(member, "/acme");
    await expect(member.getByRole("navigation", { name: "Organization" })).not.toContainText("Audit");

    await signIn(page, "owner@example.com");
    await visit(page, "/acme");
    await page.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Audit" }).click();
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    const denial = page.getByRole("row").filter({ hasText: "authz.denied" });
    await expect(denial.first()).toContainText("member@example.com");

    await page.getByLabel("Action").selectOption("authz");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/action=authz/);
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
    expect(rows[0]).toContain("member@example.com");

    // The export is in the log too, with its filter and row count.
    await page.getByRole("link", { name: "Clear" }).click();
    await expect(page.getByRole("row").filter({ hasText: "audit.exported" }).first()).toContainText(
      `"rows":${rows.length}`,
    );

    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
    // Not a platform admin: the admin area doesn't exist for them.
    expect((await page.request.get("/admin/users")).status()).toBe(404);
  });
});

test.describe("the platform admin area", () => {
  const databaseUrl = e2eDatabaseUrl();
  test.skip(
    databaseUrl === null,
    "needs TEST_DATABASE_URL (the e2e app's database on a server) to create a platform admin with MFA",
  );

  test("a platform admin with MFA finds a user and disables them; the user's session ends at once", async ({
    page,
    browser,
    problems,
  }) => {
    const { admin, user, adminSession } = createPlatformAdmin(databaseUrl as string);
    const customer = await signedInPage(browser, user.email);

    // The admin's session has passed the TOTP challenge (see create-platform-admin.ts).
    await page
      .context()
      .addCookies([
        { name: adminSession.name, value: adminSession.value, url: appUrl, httpOnly: true, sameSite: "Lax" },
      ]);
    await visit(page, "/admin");
    await expect(page).toHaveURL(/\/admin\/users$/);
    await page.getByLabel("Find a user").fill(user.email.split("@")[0]?.toUpperCase() as string);
    await page.getByRole("button", { name: "Search" }).click();
    await expect(page.getByRole("row")).toHaveCount(2);
    await page.getByRole("link", { name: user.email }).click();
    await expect(page.getByRole("heading", { name: user.email })).toBeVisible();

    await page.getByRole("button", { name: "Disable account" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Account disabled." })).toBeVisible();
    await expect(page.getByText("disabled since")).toBeVisible();
    await expect(page.getByRole("button", { name: "Enable account" })).toBeVisible();

    // The customer's open session is over, and signing in again is refused.
    await visit(customer, "/account");
    await expect(customer).toHaveURL(/\/sign-in/);
    await customer.getByLabel("Email").fill(user.email);
    await customer.getByLabel("Password").fill(DEMO_PASSWORD);
    await customer.getByRole("button", { name: "Sign in" }).click();
    await expect(customer.locator("form").getByRole("alert")).toBeVisible();
    await expect(customer).toHaveURL(/\/sign-in/);

    // The admin can't disable themselves, and the action is in the platform log with them as actor.
    await visit(page, `/admin/users/${admin.id}`);
    await expect(page.getByText("You can't disable your own account.")).toBeVisible();
    await expect(page.getByRole("button", { name: "Disable account" })).toHaveCount(0);
    await visit(page, "/admin/audit?action=admin");
    const event = page
      .getByRole("row")
      .filter({ hasText: "admin.user.disabled" })
      .filter({ hasText: user.email });
    await expect(event).toContainText(admin.email);
    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
  });
});
