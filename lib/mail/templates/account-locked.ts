import { readMailConfig } from "../read-config";
import { type ExpiringLinkMail, formatValidity, type MailContent, renderLayout } from "./layout";

/** Sent when repeated failed sign-ins lock an account; the link unlocks it. */
export function accountLockedMail(input: ExpiringLinkMail): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Your ${product} account is locked`,
    name: input.name,
    intro: [
      `Your ${product} account was locked after too many failed sign-in attempts. This protects it from password guessing.`,
      "If those attempts were yours, unlock the account and sign in again.",
    ],
    action: { label: "Unlock your account", link: input.link },
    outro: [
      `This link works for ${formatValidity(input.validForMinutes)} and only once.`,
      "If the attempts were not yours, someone may be guessing your password. Unlocking is still safe; consider choosing a stronger password and turning on two-factor authentication.",
    ],
  });
}
