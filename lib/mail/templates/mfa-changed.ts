import type { AppLink } from "../links";
import { readMailConfig } from "../read-config";
import { type MailContent, renderLayout } from "./layout";

/**
 * Sent when two-factor authentication is turned on or off, so that the owner notices a change they
 * did not make. `link` goes to the account's security settings.
 */
export function mfaChangedMail(input: {
  name?: string;
  link: AppLink;
  change: "enabled" | "disabled";
}): MailContent {
  const product = readMailConfig().APP_NAME;
  const state = input.change === "enabled" ? "turned on" : "turned off";
  return renderLayout({
    product,
    subject: `Two-factor authentication was ${state} for your ${product} account`,
    name: input.name,
    intro: [
      `Two-factor authentication was ${state} for your ${product} account.`,
      "If you made this change, there is nothing to do. If you did not, check your security settings and change your password.",
    ],
    action: { label: "Review security settings", link: input.link },
    outro: [],
  });
}
