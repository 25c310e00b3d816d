// Organizations in the browser: an owner invites someone by email (caught by the SMTP catcher), the
// invitee accepts, is kept out of an admin-only page, and gets in once the owner makes them an admin.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { DEMO_ORGANIZATION } from "../../prisma/demo-data";
import { fetchCaughtMail } from "../support/smtp-catcher";
import { e2eDatabaseUrl, expect, signedInPage, signIn, skipWithout, test, visit } from "./fixtures";
import { mailCatcherUrl } from "./ports";

const databaseUrl = e2eDatabaseUrl();
// Navigations after a form post render a page on the server first: allow for a busy CI machine.
const NAVIGATION = { timeout: 20_000 };
const org = DEMO_ORGANIZATION.slug;

/**
 * A verified account the invitation goes to, created straight in the app's database (serve-app.ts:
 * `shipshape_e2e_<port>`) with the demo password, as if it had signed up and verified earlier.
 */
async function createVerifiedUser(email: string, name: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl as string });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO "User" (id, email, name, "emailVerifiedAt", "passwordHash", "updatedAt")
       SELECT gen_random_uuid(), $1, $2, now(), "passwordHash", now() FROM "User" WHERE email = 'owner@example.com'`,
      [email, name],
    );
  } finally {
    await db.end();
  }
}

test.describe("organizations", () => {
  skipWithout(
    databaseUrl === null,
    "needs TEST_DATABASE_URL: the test creates the invited account in the app's database",
  );

  test("an owner invites by email, the invitee accepts, is kept out of settings, then promoted gets in", async ({
    browser,
    page,
    problems,
  }) => {
    // Two browsers, three sign-ins, five form posts and an email: longer than one page check.
    test.setTimeout(120_000);
    const email = `invitee-${randomBytes(4).toString("hex")}@example.com`;
    const name = "Ivy Invitee";
    await createVerifiedUser(email, name);

    // The owner invites the address.
    await signIn(page, "owner@example.com");
    await visit(page, `/${org}/members`);
    await page.getByLabel("Email address to invite").fill(email);
    await page.getByRole("button", { name: "Send invitation" }).click();
    await expect(page.getByRole("status")).toContainText(`Invitation sent to ${email}`, NAVIGATION);
    await expect(
      page.getByRole("region", { name: "Invitations" }).getByText(email, { exact: true }),
    ).toBeVisible();

    // The invitation arrives over SMTP with a link to the invitation page.
    const mail = await fetchCaughtMail(mailCatcherUrl, { to: email });
    expect(mail.subject).toContain("Acme");
    const link = mail.text.match(/http:\/\/\S+\/invitations\/[A-Za-z0-9_-]{43}/)?.[0];
    expect(link).toBeDefined();

    // The invitee signs in, opens the link and accepts.
    const invitee = await signedInPage(browser, email);
    await visit(invitee, new URL(link as string).pathname);
    await expect(invitee.getByRole("heading", { name: "Join Acme" })).toBeVisible();
    await invitee.getByRole("button", { name: "Accept invitation" }).click();
    await expect(invitee).toHaveURL(new RegExp(`/${org}$`), NAVIGATION);
    await expect(invitee.getByText("You are a member of this organization.")).toBeVisible();

    // A member doesn't see Settings, and opening it anyway is a 404.
    await expect(
      invitee.getByRole("navigation", { name: "Organization" }).getByRole("link", { name: "Settings" }),
    ).toHaveCount(0);
    const refused = await visit(invitee, `/${org}/settings`);
    expect(refused.status()).toBe(404);

    // The owner makes the new member an admin.
    await visit(page, `/${org}/members`);
    const row = page.getByRole("listitem").filter({ hasText: email });
    await row.getByLabel(`Role for ${name}`).selectOption("ADMIN");
    await row.getByRole("button", { name: "Change role" }).click();
    await expect(row.getByRole("status")).toContainText(`${name} is now admin.`, NAVIGATION);

    // Now the settings page opens for them.
    const allowed = await visit(invitee, `/${org}/settings`);
    expect(allowed.status()).toBe(200);
    await expect(invitee.getByRole("heading", { name: "Settings" })).toBeVisible();

    // The owner's audit log shows each step, with who took it.
    await visit(page, `/${org}/audit`);
    const event = (action: string) => page.getByRole("row").filter({ hasText: action }).first();
    await expect(event("invitation.created")).toContainText("owner@example.com");
    await expect(event("invitation.accepted")).toContainText(email);
    await expect(event("membership.role_changed")).toContainText("owner@example.com");

    expect(problems.cspViolations).toEqual([]);
  });

  test("the overview names the viewer's role with its article: an owner, an admin, a member", async ({
    browser,
  }) => {
    for (const [email, phrase] of [
      ["owner@example.com", "an owner"],
      ["admin@example.com", "an admin"],
      ["member@example.com", "a member"],
    ] as const) {
      const page = await signedInPage(browser, email);
      await visit(page, `/${org}`);
      await expect(page.getByText(`You are ${phrase} of this organization.`)).toBeVisible();
      await page.context().close();
    }
  });
});
