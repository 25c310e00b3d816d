import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/components/action-form";
import { Fact } from "@/components/fact";
import { Field, Select } from "@/components/ui/field";
import { UtcTime } from "@/components/utc-time";
import { getOrganizationDetail } from "@/lib/admin";
import { getOrgBilling, PLANS, REFUND_REASONS } from "@/lib/billing";
import { requirePagePlatformAdmin } from "@/lib/http";
import { DetailHeader } from "../../detail-header";
import { orNotFound } from "../../or-not-found";
import { refundChargeAction } from "./actions";

export const metadata: Metadata = { title: "Organization" };

type Props = { params: Promise<{ org: string }> };

const REASON_LABELS: Record<(typeof REFUND_REASONS)[number], string> = {
  requested_by_customer: "Requested by the customer",
  duplicate: "Duplicate charge",
  fraudulent: "Fraudulent",
};

/** One organization for operators: its facts, its billing state, and the refund form. */
export default async function AdminOrganizationPage({ params }: Props) {
  await requirePagePlatformAdmin();
  const { org: slug } = await params;
  const org = await orNotFound(getOrganizationDetail(slug));
  const billing = await getOrgBilling(org.id);
  const here = `/admin/organizations/${org.slug}`;

  return (
    <div className="max-w-4xl space-y-8">
      <DetailHeader back={{ href: "/admin/organizations", label: "Organizations" }} title={org.name}>
        <p className="mt-1 font-mono text-sm text-slate-600">/{org.slug}</p>
      </DetailHeader>

      <dl className="grid gap-x-8 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
        <Fact term="Members">{org.members}</Fact>
        <Fact term="Owners">{org.owners.map((owner) => owner.email).join(", ") || "none"}</Fact>
        <Fact term="Plan">
          {PLANS[billing.plan].name}
          {billing.status ? ` (subscription ${billing.status.toLowerCase().replaceAll("_", " ")})` : ""}
          {billing.mode === "off" ? " (billing is off on this server)" : ""}
        </Fact>
        <Fact term="Created">
          <UtcTime iso={org.createdAt} />
        </Fact>
        <Fact term="Audit log">
          <Link
            href={`/admin/audit?org=${encodeURIComponent(org.slug)}`}
            className="text-indigo-700 underline underline-offset-4"
          >
            Events of this organization
          </Link>
        </Fact>
      </dl>

      <section aria-labelledby="refund" className="max-w-xl">
        <h2 id="refund" className="text-lg font-semibold">
          Refund a payment
        </h2>
        {billing.hasCustomer ? (
          <>
            <p className="mt-1 text-sm text-slate-700">
              Find the charge id (ch_…) in the Stripe dashboard or the customer's receipt. Only a charge of
              this organization's Stripe customer can be refunded. You'll be asked to confirm it's you if you
              haven't in the last 10 minutes.
            </p>
            <ActionForm
              action={refundChargeAction}
              submitLabel="Refund"
              danger
              returnTo={here}
              className="mt-4"
            >
              <input type="hidden" name="org" value={org.slug} />
              <input type="hidden" name="attemptId" value={randomUUID()} />
              <Field label="Charge id" name="chargeId" required />
              <Field
                label="Amount"
                name="amount"
                hint="In the currency's smallest unit (500 = $5.00). Empty refunds what is left of the charge."
              />
              <Select
                label="Reason"
                name="reason"
                options={[
                  { value: "", label: "No reason given" },
                  ...REFUND_REASONS.map((reason) => ({ value: reason, label: REASON_LABELS[reason] })),
                ]}
                defaultValue=""
              />
            </ActionForm>
          </>
        ) : (
          <p className="mt-1 text-sm text-slate-700">
            {billing.mode === "off"
              ? "Billing is off on this server: there is nothing to refund."
              : "This organization has never paid: there is nothing to refund."}
          </p>
        )}
      </section>
    </div>
  );
}
