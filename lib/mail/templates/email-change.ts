import { readMailConfig } from "../read-config";
import { type ExpiringLinkMail, formatValidity, type MailContent, renderLayout } from "./layout";

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * Sent to the new address when a user asks to change their email: the switch happens only when this
 * link is opened, which proves the new address is theirs. It may reach a stranger (a typo), so it
 * names neither the account's current address nor, unless the caller passes it, the user's name.
 */
export function confirmEmailChangeMail(input: ExpiringLinkMail): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Confirm your new email address for ${product}`,
    name: input.name,
    intro: [`Someone asked to use this address for their ${product} account. Confirm it to make the change.`],
    action: { label: "Confirm new email address", link: input.link },
    outro: [
      `This link works for ${formatValidity(input.validForMinutes)} and only once.`,
      "If you did not ask for this, ignore this email: nothing changes until the link is opened.",
    ],
  });
}

/**
 * Sent to the old address once an email change is confirmed, with a link that puts the old address
 * back and signs everyone out. The new address is shown as a hint ("n•••@example.com"), enough for
 * the owner to recognise it without handing it in full to whoever reads the old mailbox now.
 */
export function emailChangedMail(
  input: ExpiringLinkMail & { newEmail: string; changedAt: Date },
): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `The email address of your ${product} account was changed`,
    name: input.name,
    intro: [
      `The email address of your ${product} account was changed to ${addressHint(input.newEmail)} on ${utc.format(input.changedAt)} UTC. This address no longer signs in.`,
      "If you made this change, there is nothing to do.",
      "If you did not, undo it: this puts your address back and signs everyone out of the account. Then reset your password, because whoever made the change knew it.",
    ],
    action: { label: "Undo the change", link: input.link },
    outro: [`The undo link works for ${formatValidity(input.validForMinutes)} and only once.`],
  });
}

/** "nadia@example.com" → "n•••@example.com". */
export function addressHint(email: string): string {
  const at = email.lastIndexOf("@");
  if (at < 1) return "•••";
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}
