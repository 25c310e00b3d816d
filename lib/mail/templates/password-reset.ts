import { readMailConfig } from "../read-config";
import { type ExpiringLinkMail, formatValidity, type MailContent, renderLayout } from "./layout";

/** Sent on "forgot password": the link lets the holder choose a new password. */
export function passwordResetMail(input: ExpiringLinkMail): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Reset your ${product} password`,
    name: input.name,
    intro: [`We received a request to reset the password of your ${product} account.`],
    action: { label: "Choose a new password", link: input.link },
    outro: [
      `This link works for ${formatValidity(input.validForMinutes)} and only once.`,
      "If you did not ask for this, ignore this email: your password stays as it is.",
    ],
  });
}
