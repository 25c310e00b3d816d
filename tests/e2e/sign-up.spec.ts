import {
  expect,
  fillSignUp,
  linkIn,
  mailsTo,
  NEW_USER_PASSWORD,
  nextMailTo,
  submitSignIn,
  test,
  uniqueEmail,
  visit,
} from "./identity";

test.describe("sign-up and email verification", () => {
  test("sign up, get the link by mail, verify, and land in the app", async ({ page, problems }) => {
    // A long journey through several pages and mails: triple the default timeout on a busy machine.
    test.slow();
    const email = uniqueEmail("grace");
    await fillSignUp(page, email);
    await expect(page.getByRole("status")).toContainText("Check your inbox");
    await expect(page.getByRole("status")).toContainText(email);

    const mail = await nextMailTo(email);
    expect(mail.subject).toBe("Verify your email address for Shipshape");
    const link = linkIn(mail, "/verify-email");

    // Signed in but unverified: the app sends the person to check their inbox.
    await submitSignIn(page, email, NEW_USER_PASSWORD);
    await expect(page).toHaveURL(/\/verify-email$/);
    await expect(page.getByText(`We sent a link to ${email}`)).toBeVisible();
    await visit(page, "/account");
    await expect(page).toHaveURL(/\/verify-email$/);

    // Opening the link only shows a button: a mail scanner's GET spends nothing.
    await visit(page, link);
    await visit(page, link);
    await page.getByRole("button", { name: "Verify my email address" }).click();
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByText("Signed in as")).toContainText(email);

    // The link works once.
    await visit(page, link);
    await page.getByRole("button", { name: "Verify my email address" }).click();
    await expect(page.getByText("This verification link is invalid, already used or expired")).toBeVisible();
    expect(problems.cspViolations).toEqual([]);
    expect(problems.consoleErrors).toEqual([]);
  });

  test("a weak password is explained in plain words, and nothing is sent", async ({ page }) => {
    const email = uniqueEmail("weak");
    await fillSignUp(page, email, "password123");
    const form = page.locator("form");
    await expect(form.getByRole("alert")).toHaveText("Choose a different password.");
    await expect(form.getByText(/Use at least 15 characters/)).toBeVisible();
    await expect(page.getByLabel("Email")).toHaveValue(email);
    expect(await mailsTo(email)).toEqual([]);
  });

  test("resend replaces the link, and only the newest one verifies", async ({ page }) => {
    // A long journey through several pages and mails: triple the default timeout on a busy machine.
    test.slow();
    const email = uniqueEmail("resend");
    await fillSignUp(page, email);
    const first = linkIn(await nextMailTo(email), "/verify-email");
    await submitSignIn(page, email, NEW_USER_PASSWORD);
    await expect(page).toHaveURL(/\/verify-email$/);
    await page.getByRole("button", { name: "Send the link again" }).click();
    await expect(page.locator("form").getByRole("status")).toContainText("a new link is on its way");
    const second = linkIn(await nextMailTo(email, 1), "/verify-email");
    expect(second).not.toBe(first);

    await visit(page, first);
    await page.getByRole("button", { name: "Verify my email address" }).click();
    await expect(page).toHaveURL(/\/verify-email\?done=0$/);
    await visit(page, second);
    await page.getByRole("button", { name: "Verify my email address" }).click();
    await expect(page).toHaveURL(/\/account$/);
  });

  test("the sign-up form of a registered address looks the same, and its owner is told by mail", async ({
    page,
  }) => {
    const email = uniqueEmail("twice");
    await fillSignUp(page, email);
    await nextMailTo(email);
    await fillSignUp(page, email);
    await expect(page.getByRole("status")).toContainText("Check your inbox");
    const mail = await nextMailTo(email, 1);
    expect(mail.subject).toBe("You already have a Shipshape account");
  });
});
