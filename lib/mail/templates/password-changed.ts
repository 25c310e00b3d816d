import type { AppLink } from "../links";
import { readMailConfig } from "../read-config";
import { type MailContent, renderLayout } from "./layout";

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * Sent after a password change or reset, so that the owner notices a change they did not make.
 * `link` goes to the "forgot password" page: the way back in for an owner who was locked out.
 */
export function passwordChangedMail(input: { name?: string; link: AppLink; changedAt: Date }): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Your ${product} password was changed`,
    name: input.name,
    intro: [
      `The password of your ${product} account was changed on ${utc.format(input.changedAt)} UTC.`,
      "If you made this change, there is nothing to do.",
      "If you did not, someone else knows your password: reset it now.",
    ],
    action: { label: "Reset your password", link: input.link },
    outro: [],
  });
}
