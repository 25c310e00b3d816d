// Data export and account deletion as a person uses them, in chromium against the production build
// with its job worker (tests/e2e/serve-app.ts): the export is built in the background and downloaded;
// a deletion signs out everywhere, and signing in again offers to cancel it.
import { readFile } from "node:fs/promises";
import { strFromU8, unzipSync } from "fflate";
import { fetchCaughtMail } from "../support/smtp-catcher";
import { expect, signIn, submitSignIn, test, visit } from "./fixtures";
import { mailCatcherUrl } from "./ports";

test.describe("your data", () => {
  // Each waits on background work (the job worker, mail delivery) and signs in more than once.
  test.describe.configure({ timeout: 90_000 });

  test("an export is prepared in the background, announced by email, and downloaded as a zip", async ({
    page,
    problems,
  }) => {
    await signIn(page, "admin@example.com");
    await page.getByRole("link", { name: "Export your data" }).click();
    await expect(page).toHaveURL(/\/account\/export$/);
    await page.getByRole("button", { name: "Request an export" }).click();
    await expect(page.locator("form").getByRole("status")).toContainText("Your export is being prepared");

    const mail = await fetchCaughtMail(
      mailCatcherUrl,
      { to: "admin@example.com", subject: "data export is ready" },
      30_000,
    );
    expect(mail.text).toContain("/account/export");
    await page.reload();
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download" }).first().click();
    const file = await (await download).path();
    const files = unzipSync(new Uint8Array(await readFile(file)));
    expect(Object.keys(files).sort()).toEqual([
      "README.txt",
      "audit-events.json",
      "exports.json",
      "invitations.json",
      "invoices.json",
      "memberships.json",
      "profile.json",
      "projects.json",
      "sessions.json",
    ]);
    expect(JSON.parse(strFromU8(files["profile.json"] as Uint8Array))).toMatchObject({
      email: "admin@example.com",
    });
    await page.screenshot({ path: "test-results/account-export.png", fullPage: true });
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });

  test("the only owner of an organization with members is told which one to hand over first", async ({
    page,
  }) => {
    await signIn(page, "owner@example.com");
    await visit(page, "/account/deletion");
    await expect(
      page.getByRole("heading", { name: "First, hand over or delete these organizations" }),
    ).toBeVisible();
    await expect(page.getByRole("listitem").filter({ hasText: "Acme" })).toBeVisible();
    await expect(page.getByRole("link", { name: "make another member an owner" })).toHaveAttribute(
      "href",
      "/acme/members",
    );
    await expect(page.getByRole("button", { name: "Delete my account" })).toBeDisabled();
    await page.screenshot({ path: "test-results/account-deletion-blocked.png", fullPage: true });
  });

  test("a deletion signs out everywhere; signing in during the grace period offers to cancel it", async ({
    page,
    problems,
  }) => {
    await signIn(page, "member@example.com");
    await page.getByRole("link", { name: "Delete your account" }).click();
    await expect(page).toHaveURL(/\/account\/deletion$/);
    const confirmation = page.getByLabel("Type delete my account to confirm");
    await confirmation.fill("delete it");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await expect(page.getByText("Type “delete my account” to confirm.")).toBeVisible();
    await expect(confirmation).toHaveAttribute("aria-invalid", "true");

    await confirmation.fill("delete my account");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await expect(page).toHaveURL(/\/account\/deletion\/scheduled\?on=\d{4}-\d{2}-\d{2}$/);
    await expect(page.getByRole("status")).toContainText("You have been signed out everywhere");
    await page.screenshot({ path: "test-results/account-deletion-scheduled.png", fullPage: true });
    const mail = await fetchCaughtMail(
      mailCatcherUrl,
      { to: "member@example.com", subject: "will be deleted on" },
      30_000,
    );
    expect(mail.text).toContain("/sign-in");

    // The session that asked is gone too.
    await visit(page, "/account");
    await expect(page).toHaveURL(/\/sign-in/);

    // Signing in again lands on the deletion page, which offers to cancel.
    await submitSignIn(page, "member@example.com");
    await expect(page).toHaveURL(/\/account\/deletion$/, { timeout: 20_000 });
    await expect(page.getByRole("heading", { name: "Your account is scheduled for deletion" })).toBeVisible();
    await page.screenshot({ path: "test-results/account-deletion-pending.png", fullPage: true });
    // The right of access holds during the grace period: the export opens without cancelling.
    await page.getByRole("link", { name: "export your data" }).click();
    await expect(page).toHaveURL(/\/account\/export$/);
    await expect(page.getByRole("button", { name: "Request an export" })).toBeVisible();
    await visit(page, "/account/deletion");
    await page.getByRole("button", { name: "Cancel the deletion and keep my account" }).click();
    await expect(page).toHaveURL(/\/account\?deletion=cancelled$/);
    await expect(page.getByRole("status")).toContainText("The deletion is cancelled");
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.cspViolations).toEqual([]);
  });
});
