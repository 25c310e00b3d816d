import type { AppLink } from "../links";
import { readMailConfig } from "../read-config";
import { type MailContent, renderLayout } from "./layout";

/**
 * Sent instead of a verification mail when someone signs up with an address that already has an
 * account. The sign-up page answers the same in both cases, so it never reveals which addresses are
 * registered; only the owner of the inbox learns it. `link` goes to the sign-in page.
 */
export function accountExistsMail(input: { name?: string; link: AppLink }): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `You already have a ${product} account`,
    name: input.name,
    intro: [
      `Someone tried to create a ${product} account with this email address, but there is already an account for it.`,
      "If that was you, sign in instead. If you forgot your password, the sign-in page lets you reset it.",
    ],
    action: { label: "Sign in", link: input.link },
    outro: ["If it was not you, you can ignore this email. Nothing has changed on your account."],
  });
}
