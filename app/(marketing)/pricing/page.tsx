import type { Metadata } from "next";
import { connection } from "next/server";
import { PlanCard } from "@/components/plan-card";
import { ButtonLink } from "@/components/ui/button";
import { PLAN_IDS, PLANS, readBillingConfig } from "@/lib/billing";

export const metadata: Metadata = {
  title: "Pricing",
  description: "Shipshape plans and prices.",
};

/** The plans, from the same table the server's entitlement checks read (lib/billing/plans.ts). */
export default async function PricingPage() {
  // Whether billing is on is the running server's setting, not the build's.
  await connection();
  const config = readBillingConfig();
  return (
    <section aria-labelledby="pricing-title" className="mx-auto max-w-5xl px-4 py-20 sm:px-6">
      <h1 id="pricing-title" className="text-4xl font-bold tracking-tight">
        Pricing
      </h1>
      <p className="mt-6 max-w-2xl text-lg text-slate-600">
        Start free. Upgrade an organization when it needs more members, more projects or compliance features;
        change plan or cancel at any time from its billing page.
        {config.enabled && config.trialDays > 0
          ? ` Paid plans start with a ${config.trialDays}-day free trial.`
          : ""}
      </p>
      {!config.enabled ? (
        <p className="mt-4 max-w-2xl rounded-md bg-amber-50 px-4 py-3 text-sm text-amber-950">
          Billing is not turned on for this server yet, so every organization is on the free plan.
        </p>
      ) : null}
      <h2 className="sr-only">Plans</h2>
      <ul className="mt-10 grid gap-4 md:grid-cols-3">
        {PLAN_IDS.map((id) => (
          <PlanCard key={id} plan={PLANS[id]}>
            <ButtonLink href="/sign-up" variant={id === "pro" ? "primary" : "secondary"} className="w-full">
              {id === "free" ? "Start free" : `Start with ${PLANS[id].name}`}
            </ButtonLink>
          </PlanCard>
        ))}
      </ul>
      <p className="mt-6 text-sm text-slate-600">
        Paid plans are upgraded from your organization's billing page after you sign up. Prices exclude tax.
      </p>
    </section>
  );
}
