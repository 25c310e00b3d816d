import type { AppLink } from "../links";
import { readMailConfig } from "../read-config";
import { type MailContent, renderLayout } from "./layout";

const utc = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

/**
 * Sent when a requested data export has been built. `link` goes to the export page, where the owner
 * downloads it while signed in: the mail itself carries no download token.
 */
export function dataExportReadyMail(input: { name?: string; link: AppLink; expiresAt: Date }): MailContent {
  const product = readMailConfig().APP_NAME;
  return renderLayout({
    product,
    subject: `Your ${product} data export is ready`,
    name: input.name,
    intro: [
      `The export of your ${product} data that you asked for is ready.`,
      `Sign in and download it before ${utc.format(input.expiresAt)} UTC; after that it is deleted.`,
    ],
    action: { label: "Download your data", link: input.link },
    outro: ["If you did not ask for an export, change your password: someone else may be signed in."],
  });
}
