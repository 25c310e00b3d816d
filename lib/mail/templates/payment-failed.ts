import type { AppLink } from "../links";
import { readMailConfig } from "../read-config";
import { type MailContent, renderLayout } from "./layout";

const utcDate = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

/**
 * Sent to an organization's owners when its subscription becomes past due (a renewal payment
 * failed). The paid plan is kept until `graceEndsAt`; `link` goes to the organization's billing page,
 * where the card can be updated.
 */
export function paymentFailedMail(input: {
  name?: string;
  link: AppLink;
  orgName: string;
  graceEndsAt: Date;
}): MailContent {
  const product = readMailConfig().APP_NAME;
  // The organization's name is user input: shortened and flattened like a greeting name.
  const org = input.orgName
    .replace(/[\p{Cc}\s]+/gu, " ")
    .trim()
    .slice(0, 60);
  return renderLayout({
    product,
    subject: `Payment failed for ${org} on ${product}`,
    name: input.name,
    intro: [
      `We could not collect the latest payment for ${org}. Stripe will retry the card over the next few days.`,
      `${org} keeps its current plan until ${utcDate.format(input.graceEndsAt)}. After that it moves to the free plan until a payment succeeds; no data is deleted.`,
    ],
    action: { label: "Update the payment method", link: input.link },
    outro: ["You receive this because you are an owner of the organization."],
  });
}
