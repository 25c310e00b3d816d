import Link from "next/link";
import type { OrgBilling } from "@/lib/billing";

const date = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

/**
 * Shown on every page of an organization whose subscription is past due: until when the paid plan is
 * kept, and where to fix it (owners and admins) or whom to ask (members). Renders nothing otherwise.
 */
export function PastDueBanner({
  pastDue,
  orgSlug,
  orgName,
  canManage,
}: {
  pastDue: OrgBilling["pastDue"];
  orgSlug: string;
  orgName: string;
  canManage: boolean;
}) {
  if (!pastDue) return null;
  return (
    <section aria-label="Payment problem" className="border-b border-amber-300 bg-amber-50 px-4 py-3 sm:px-6">
      <p className="text-sm text-amber-950">
        <strong>Payment failed.</strong>{" "}
        {pastDue.inGrace
          ? `Stripe is retrying the card. ${orgName} keeps its plan until ${date.format(pastDue.graceEndsAt)}, then moves to the free plan (no data is deleted).`
          : `${orgName} is on the free plan until a payment succeeds. No data was deleted.`}{" "}
        {canManage ? (
          <Link
            href={`/${orgSlug}/billing`}
            className="rounded-sm font-semibold text-amber-950 underline underline-offset-4"
          >
            Update the payment method
          </Link>
        ) : (
          "Ask an owner or admin to update the payment method."
        )}
      </p>
    </section>
  );
}
