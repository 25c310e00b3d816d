import { readMailConfig } from "../read-config";
import {
  type ExpiringLinkMail,
  formatValidity,
  greetingName,
  type MailContent,
  renderLayout,
} from "./layout";

const ROLE_WORDS = { OWNER: "an owner", ADMIN: "an admin", MEMBER: "a member" } as const;

/**
 * Sent when an organization invites an address. The organization's and the inviter's names are typed
 * by whoever invites, and the recipient did not ask for this mail: both are shortened like a
 * greeting name, so nobody can write a long message into it. `link` opens the invitation page.
 */
export function invitationMail(
  input: Omit<ExpiringLinkMail, "name"> & {
    inviterName?: string;
    organizationName: string;
    role: keyof typeof ROLE_WORDS;
  },
): MailContent {
  const product = readMailConfig().APP_NAME;
  const organization = greetingName(input.organizationName) ?? "an organization";
  const inviter = greetingName(input.inviterName) ?? "A member";
  return renderLayout({
    product,
    subject: `You're invited to join ${organization} on ${product}`,
    intro: [
      `${inviter} invited you to join ${organization} on ${product} as ${ROLE_WORDS[input.role]}.`,
      `To accept, sign in to ${product} (or create an account) with this email address, then open the invitation.`,
    ],
    action: { label: "Open the invitation", link: input.link },
    outro: [
      `The invitation works for ${formatValidity(input.validForMinutes)} and only for this email address.`,
      "If you weren't expecting it, ignore this email: nothing happens unless you accept.",
    ],
  });
}
