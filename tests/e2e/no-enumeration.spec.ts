import type { Page } from "@playwright/test";
import {
  expect,
  fillSignUp,
  mailsTo,
  NEW_USER_PASSWORD,
  nextMailTo,
  submitSignIn,
  test,
  uniqueEmail,
  visit,
} from "./identity";

/**
 * Runs `submit` on the page and returns the status and body of the server action's response (the
 * form state as React serializes it): all that a visitor, or a script posting the form, learns.
 * The response is fetched through a route handler, because the browser streams it into React and
 * keeps no copy to read back.
 */
async function actionAnswer(
  page: Page,
  submit: () => Promise<void>,
): Promise<{ status: number; body: string }> {
  let answer: { status: number; body: string } | undefined;
  await page.route("**/*", async (route) => {
    const request = route.request();
    if (request.method() !== "POST" || !request.headers()["next-action"]) return route.continue();
    const response = await route.fetch();
    answer = { status: response.status(), body: await response.text() };
    await route.fulfill({ response, body: answer.body });
  });
  try {
    await submit();
    await expect.poll(() => answer !== undefined).toBe(true);
  } finally {
    await page.unroute("**/*");
  }
  return answer as { status: number; body: string };
}

test.describe("no user enumeration", () => {
  test("sign-up answers a registered and a new address identically, and a bot in the honeypot too", async ({
    page,
  }) => {
    // A long journey through several pages and mails: triple the default timeout on a busy machine.
    test.slow();
    // A registered address: one that signed up a moment ago (the demo accounts belong to other specs).
    const taken = uniqueEmail("taken");
    await fillSignUp(page, taken);
    await nextMailTo(taken);
    const fresh = uniqueEmail("fresh");
    const registered = await actionAnswer(page, () => fillSignUp(page, taken));
    const unknown = await actionAnswer(page, () => fillSignUp(page, fresh));
    expect(registered.status).toBe(200);
    expect(registered.body).toContain("Check your inbox");
    expect(unknown).toEqual(registered);

    const bot = uniqueEmail("bot");
    const trapped = await actionAnswer(page, async () => {
      await visit(page, "/sign-up");
      await page.getByLabel("Email").fill(bot);
      await page.getByLabel("Password").fill(NEW_USER_PASSWORD);
      await page.locator('input[name="website"]').fill("https://spam.example", { force: true });
      await page.getByRole("button", { name: "Create account" }).click();
    });
    expect(trapped).toEqual(registered);

    // Both people got a mail (the verification link, the "you already have an account" note); the bot nothing.
    await nextMailTo(fresh);
    expect((await nextMailTo(taken, 1)).subject).toBe("You already have a Shipshape account");
    expect(await mailsTo(bot)).toEqual([]);
  });

  test("a reset request answers a registered and an unknown address identically", async ({ page }) => {
    const request = (email: string) =>
      actionAnswer(page, async () => {
        await visit(page, "/forgot-password");
        await page.getByLabel("Email").fill(email);
        await page.getByRole("button", { name: "Email me a reset link" }).click();
      });
    const known = uniqueEmail("known");
    await fillSignUp(page, known);
    await nextMailTo(known);
    const registered = await request(known);
    const unknown = await request(uniqueEmail("nobody"));
    expect(registered.status).toBe(200);
    expect(registered.body).toContain("If an account uses this address");
    expect(unknown).toEqual(registered);
    await expect(page.locator("form").getByRole("status")).toContainText("If an account uses this address");
  });

  test("resend answers the same when it sends, when the address is verified, and past its limit", async ({
    page,
  }) => {
    // A long journey through several pages and mails: triple the default timeout on a busy machine.
    test.slow();
    const email = uniqueEmail("resend-same");
    await fillSignUp(page, email);
    await nextMailTo(email);
    await submitSignIn(page, email, NEW_USER_PASSWORD);
    await expect(page).toHaveURL(/\/verify-email$/);

    const resend = () =>
      actionAnswer(page, async () => {
        await visit(page, "/verify-email");
        await page.getByRole("button", { name: "Send the link again" }).click();
      });
    const sent = await resend();
    expect(sent.status).toBe(200);
    // verification-resend-account allows 5 an hour: the 6th and 7th are refused, silently.
    for (let i = 0; i < 4; i++) await resend();
    const throttled = await resend();
    expect(throttled).toEqual(sent);
    expect(await mailsTo(email)).toHaveLength(6);
  });
});
