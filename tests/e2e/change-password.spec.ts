import {
  createVerifiedAccount,
  expect,
  mailsTo,
  NEW_USER_PASSWORD,
  nextMailTo,
  signedInPage,
  submitSignIn,
  test,
  visit,
} from "./identity";

const CHANGED_PASSWORD = "juniper ferry compass velvet";

test.describe("change password", () => {
  test("keeps this session, signs out another browser, and emails a notice", async ({
    page,
    browser,
    problems,
  }) => {
    // A long journey through several pages and mails: triple the default timeout on a busy machine.
    test.slow();
    const email = await createVerifiedAccount(page, "change");
    const otherDevice = await signedInPage(browser, email, NEW_USER_PASSWORD);

    await submitSignIn(page, email, NEW_USER_PASSWORD);
    await expect(page).toHaveURL(/\/account$/);
    await page.getByRole("link", { name: "Change your password" }).click();
    await expect(page).toHaveURL(/\/account\/password$/);
    // Signed in a moment ago: that counts as a re-authentication, so no current password is asked.
    await expect(page.getByLabel("Current password")).toHaveCount(0);
    const seen = (await mailsTo(email)).length;
    await page.getByLabel("New password").fill(CHANGED_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await expect(page.locator("form").getByRole("status")).toContainText("You're still signed in here");

    await visit(page, "/account");
    await expect(page.getByText("Signed in as")).toContainText(email);
    await visit(otherDevice, "/account");
    await expect(otherDevice).toHaveURL(/\/sign-in/);
    await otherDevice.context().close();
    expect((await nextMailTo(email, seen)).subject).toBe("Your Shipshape password was changed");
    expect(problems.cspViolations).toEqual([]);
  });
});
