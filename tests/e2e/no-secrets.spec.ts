// No secret reaches a page. A platform admin who owns an organization signs in with password and
// TOTP, and opens the pages that show users: their account, MFA and sessions pages, the organization's
// members and projects, and the admin pages of both accounts and of the organization. The HTML of
// each (which carries the React Server Components payload too) is searched for every secret stored
// for the admin and their colleague (no-secrets-users.ts), each secret's plaintext, the argon2
// prefix and the secret columns' names. The API's answers are checked the same way by
// tests/integration/no-secrets-in-responses.test.ts.
import { generateSync } from "otplib";
import { SECRET_MARKERS } from "../support/secrets";
import { e2eDatabaseUrl, expect, runSetupScript, skipWithout, submitSignIn, test, visit } from "./fixtures";

// Form posts render a page on the server before navigating: allow for a busy machine.
const NAVIGATION = { timeout: 20_000 };

type Users = {
  admin: { id: string; email: string; totpSecret: string };
  colleague: { id: string; email: string };
  org: { slug: string; project: string };
  /** Every secret stored for both accounts and the organization's invitation, and their plaintexts. */
  secrets: string[];
};

/** Fresh accounts holding every kind of secret, made through lib functions (no-secrets-users.ts). */
const createUsers = (databaseUrl: string) =>
  runSetupScript<Users>("tests/e2e/no-secrets-users.ts", databaseUrl);

const databaseUrl = e2eDatabaseUrl();

test.describe("no secret in any page", () => {
  skipWithout(
    databaseUrl === null,
    "needs TEST_DATABASE_URL (the e2e app's database on a server) to create the test's accounts",
  );

  test("the account, members and admin pages carry none of the stored secrets", async ({
    page,
    problems,
  }) => {
    // A sign-in with TOTP and nine server-rendered pages.
    test.setTimeout(120_000);
    const { admin, colleague, org, secrets } = createUsers(databaseUrl as string);
    expect(secrets.length).toBeGreaterThan(40);

    await submitSignIn(page, admin.email);
    await expect(page).toHaveURL(/\/sign-in\/mfa$/, NAVIGATION);
    await page.getByLabel("Authentication code").fill(generateSync({ secret: admin.totpSecret }));
    await page.getByRole("button", { name: "Verify" }).click();
    await expect(page).toHaveURL(/\/account$/, NAVIGATION);

    // Each page, and what it must show: the search means something only on the page that was asked for.
    const pages: [path: string, shows: string][] = [
      ["/account", admin.email],
      ["/account/mfa", "10 unused recovery codes are left."],
      ["/account/sessions", "Sign out of all devices"],
      [`/${org.slug}/members`, colleague.email],
      [`/${org.slug}/projects`, org.project],
      [`/admin/users/${admin.id}`, admin.email],
      [`/admin/users/${colleague.id}`, colleague.email],
      [`/admin/users?q=${encodeURIComponent(colleague.email)}`, colleague.email],
      [`/admin/organizations/${org.slug}`, admin.email],
    ];
    for (const [path, shows] of pages) {
      const response = await visit(page, path);
      expect(response.status(), path).toBe(200);
      expect(new URL(page.url()).pathname, `${path} redirected`).toBe(path.split("?")[0]);
      const html = await response.text();
      expect(html, `${path} should show ${shows}`).toContain(shows);
      const leaked = [...SECRET_MARKERS, ...secrets].filter((secret) => html.includes(secret));
      expect(leaked, `${path} carries stored secrets`).toEqual([]);
    }
    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
  });
});
