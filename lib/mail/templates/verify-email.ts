import { readMailConfig } from "../read-config";
import { type ExpiringLinkMail, formatValidity, type MailContent, renderLayout } from "./layout";

/** Sent after sign-up (and on "resend"): the link proves the address belongs to the user. */
export function verifyEmailMail(input: ExpiringLinkMail): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Verify your email address for ${product}`,
    name: input.name,
    intro: [`Confirm your email address to finish setting up your ${product} account.`],
    action: { label: "Verify email address", link: input.link },
    outro: [
      `This link works for ${formatValidity(input.validForMinutes)} and only once.`,
      `If you did not sign up for ${product}, ignore this email: no account is created without this step.`,
    ],
  });
}
