import Link from "next/link";
import { FEATURES, type Feature, PLAN_IDS, PLANS, QUOTAS, type QuotaUsage } from "@/lib/billing";

// What the plan allows, said where people meet it: "3 of 5 projects" above a create form, and a note
// in place of a feature the plan doesn't include. The server refuses the same things (402) whatever
// the page shows; these only save people a form that can't succeed.

const note = "rounded-md border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900";

function BillingLink({ orgSlug }: { orgSlug: string }) {
  return (
    <Link href={`/${orgSlug}/billing`} className="font-semibold underline underline-offset-4">
      See plans on the billing page
    </Link>
  );
}

/** "3 of 5 projects on the Free plan", and when full, why the form is gone and what unlocks it. */
export function QuotaNote({
  usage,
  quota,
  orgSlug,
}: {
  usage: QuotaUsage;
  quota: keyof typeof QUOTAS;
  orgSlug: string;
}) {
  const plan = PLANS[usage.plan].name;
  if (usage.allowed === null) return null;
  if (!usage.reached) {
    return (
      <p className="mt-1 text-sm text-slate-600">
        {usage.used} of {usage.allowed} {QUOTAS[quota]} on the {plan} plan.
      </p>
    );
  }
  return (
    <p role="note" className={`mt-3 ${note}`}>
      This organization uses all {usage.allowed} {QUOTAS[quota]} the {plan} plan allows.{" "}
      <BillingLink orgSlug={orgSlug} />.
    </p>
  );
}

/** In place of a feature the organization's plan doesn't include: which plans do. */
export function FeatureNote({ feature, orgSlug }: { feature: Feature; orgSlug: string }) {
  const including = PLAN_IDS.filter((id) => PLANS[id].entitlements.features.includes(feature)).map(
    (id) => PLANS[id].name,
  );
  return (
    <p role="note" className={note}>
      Available on the {including.join(" and ")} plans: {FEATURES[feature].toLowerCase()}.{" "}
      <BillingLink orgSlug={orgSlug} />.
    </p>
  );
}
