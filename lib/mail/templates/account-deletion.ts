import type { AppLink } from "../links";
import { readMailConfig } from "../read-config";
import { type MailContent, renderLayout } from "./layout";

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * Sent when someone asks to delete the account, so that its owner can stop a deletion they did not
 * ask for. `link` goes to the sign-in page: signing in during the grace period offers to cancel.
 */
export function accountDeletionScheduledMail(input: {
  name?: string;
  link: AppLink;
  scheduledAt: Date;
}): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Your ${product} account will be deleted on ${utc.format(input.scheduledAt)} UTC`,
    name: input.name,
    intro: [
      `You asked to delete your ${product} account. You have been signed out everywhere.`,
      `On ${utc.format(input.scheduledAt)} UTC the account and everything it holds will be deleted for good.`,
      "Changed your mind? Sign in before then and cancel the deletion.",
    ],
    action: { label: "Sign in to cancel", link: input.link },
    outro: ["If you did not ask for this, sign in, cancel the deletion and change your password."],
  });
}
