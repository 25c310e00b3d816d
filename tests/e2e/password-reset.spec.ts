import {
  createVerifiedAccount,
  expect,
  linkIn,
  mailsTo,
  NEW_USER_PASSWORD,
  nextMailTo,
  signedInPage,
  submitSignIn,
  test,
  visit,
} from "./identity";

const RESET_PASSWORD = "saffron tugboat meadow drizzle";

test.describe("password reset", () => {
  test("reset from the mailed link signs out an old session in another browser", async ({
    page,
    browser,
    problems,
  }) => {
    // A long journey through several pages and mails: triple the default timeout on a busy machine.
    test.slow();
    const email = await createVerifiedAccount(page, "reset");

    // The "old" session: another browser context, signed in before the reset.
    const oldSession = await signedInPage(browser, email, NEW_USER_PASSWORD);

    await visit(page, "/sign-in");
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    await expect(page).toHaveURL(/\/forgot-password$/);
    const seen = (await mailsTo(email)).length;
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Email me a reset link" }).click();
    await expect(page.locator("form").getByRole("status")).toContainText("If an account uses this address");

    const mail = await nextMailTo(email, seen);
    expect(mail.subject).toBe("Reset your Shipshape password");
    const link = linkIn(mail, "/reset-password");
    await visit(page, link);
    await page.getByLabel("New password").fill("password");
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page.locator("form").getByRole("alert")).toHaveText("Choose a different password.");
    // The refused password didn't spend the link.
    await page.getByLabel("New password").fill(RESET_PASSWORD);
    await page.getByRole("button", { name: "Set new password" }).click();
    await expect(page).toHaveURL(/\/sign-in\?notice=password-reset$/);
    await expect(page.getByText("Your password is changed")).toBeVisible();

    const notice = await nextMailTo(email, seen + 1);
    expect(notice.subject).toBe("Your Shipshape password was changed");

    // The old session is gone: back at sign-in.
    await visit(oldSession, "/account");
    await expect(oldSession).toHaveURL(/\/sign-in/);
    await oldSession.context().close();

    // The old password no longer works; the new one does. The link is spent.
    await submitSignIn(page, email, NEW_USER_PASSWORD);
    await expect(page.locator("form").getByRole("alert")).toBeVisible();
    await submitSignIn(page, email, RESET_PASSWORD);
    await expect(page).toHaveURL(/\/account$/);
    await visit(page, link);
    await expect(page.getByText("This reset link is invalid, already used or expired")).toBeVisible();
    expect(problems.cspViolations).toEqual([]);
  });
});
