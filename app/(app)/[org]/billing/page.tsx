import { randomUUID } from "node:crypto";
import type { Metadata } from "next";
import { PlanCard } from "@/components/plan-card";
import {
  checkoutAwaitingConfirmation,
  getOrgBilling,
  isPaidPlan,
  type OrgBilling,
  PLAN_IDS,
  PLANS,
  readBillingConfig,
} from "@/lib/billing";
import { requirePageMember } from "@/lib/http";
import { openPortalAction, startCheckoutAction } from "./actions";
import { BillingButton } from "./billing-button";

export const metadata: Metadata = { title: "Billing" };

type Props = { params: Promise<{ org: string }>; searchParams: Promise<{ checkout?: string }> };

const date = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: "UTC" });

/** The organization's plan and subscription; owners and admins change them through Stripe. */
export default async function BillingPage({ params, searchParams }: Props) {
  const { org } = await params;
  const { checkout } = await searchParams;
  const member = await requirePageMember(org, "billing.read");
  const billing = await getOrgBilling(member.org.id);
  const config = readBillingConfig();
  const canManage = member.permissions.has("billing.manage");
  // One attempt id per rendering: a double submit of the same button makes one Stripe session.
  const attempt = randomUUID();
  // Where the step-up page sends people back to (checkout and the portal ask for a recent sign-in).
  const here = `/${member.org.slug}/billing`;
  // A paid Checkout whose webhooks haven't arrived (back through the success link, or any later visit:
  // lib/billing asks Stripe about the last Checkout), or a first payment still incomplete: no Upgrade
  // (a second Checkout would be a second subscription; the server refuses it too).
  const confirming =
    billing.pending ||
    (billing.canSubscribe && (checkout === "success" || (await checkoutAwaitingConfirmation(member.org.id))));

  return (
    <div className="max-w-5xl">
      <h1 className="text-2xl font-bold tracking-tight">Billing</h1>
      {confirming ? (
        <p role="status" className="mt-4 rounded-md bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
          Payment being confirmed. Stripe is confirming the payment; the new plan shows here as soon as it has
          (usually within seconds, longer if your bank asks you to approve it). There is no need to pay again.{" "}
          <a href={here} className="font-medium underline">
            Check again
          </a>
        </p>
      ) : checkout === "success" ? (
        <p role="status" className="mt-4 rounded-md bg-emerald-50 px-4 py-3 text-sm text-emerald-900">
          Thank you. The payment is confirmed.
        </p>
      ) : checkout === "canceled" ? (
        <p role="status" className="mt-4 rounded-md bg-slate-100 px-4 py-3 text-sm text-slate-800">
          Checkout was canceled. Nothing was charged.
        </p>
      ) : null}

      {billing.mode === "off" ? <BillingOff /> : null}

      <section aria-labelledby="current-plan" className="mt-8 rounded-lg border border-slate-200 p-6">
        <h2 id="current-plan" className="text-sm font-medium text-slate-600">
          Current plan
        </h2>
        <p className="mt-1 text-2xl font-bold tracking-tight">{PLANS[billing.plan].name}</p>
        <p className="mt-2 text-slate-700">
          {confirming
            ? "Payment being confirmed: the free plan until Stripe confirms it."
            : statusLine(billing)}
        </p>
        {canManage && billing.hasCustomer ? (
          <div className="mt-4 max-w-xs">
            <BillingButton
              action={openPortalAction}
              fields={{ org: member.org.slug, attempt }}
              label="Manage billing"
              pendingLabel="Opening Stripe…"
              returnTo={here}
              variant="secondary"
            />
            <p className="mt-2 text-xs text-slate-600">
              Change plan, cancel now or at the end of the period, update the card, download invoices.
            </p>
          </div>
        ) : null}
      </section>

      <section aria-labelledby="plans" className="mt-10">
        <h2 id="plans" className="text-lg font-semibold">
          Plans
        </h2>
        {!canManage ? (
          <p className="mt-2 text-sm text-slate-600">Only owners and admins can change the plan.</p>
        ) : null}
        <ul className="mt-4 grid gap-4 md:grid-cols-3">
          {PLAN_IDS.map((id) => {
            const plan = PLANS[id];
            const forSale = isPaidPlan(id) && config.prices[id].length > 0;
            return (
              <PlanCard key={id} plan={plan} current={billing.plan === id}>
                {canManage && billing.canSubscribe && !confirming && forSale && billing.plan !== id ? (
                  <BillingButton
                    action={startCheckoutAction}
                    fields={{ org: member.org.slug, plan: id, attempt }}
                    label={`Upgrade to ${plan.name}`}
                    pendingLabel="Opening Stripe Checkout…"
                    returnTo={here}
                  />
                ) : null}
                {billing.mode === "on" && isPaidPlan(id) && !forSale ? (
                  <p className="text-sm text-slate-600">
                    Not for sale yet: its Stripe price is not configured.
                  </p>
                ) : null}
              </PlanCard>
            );
          })}
        </ul>
        {canManage && billing.mode === "on" && !billing.canSubscribe && !confirming ? (
          <p className="mt-4 text-sm text-slate-600">To switch plans, use Manage billing.</p>
        ) : null}
        {config.trialDays > 0 && billing.canSubscribe && !confirming && billing.status === null ? (
          <p className="mt-4 text-sm text-slate-600">
            Your first subscription starts with a {config.trialDays}-day free trial.
          </p>
        ) : null}
      </section>
    </div>
  );
}

function statusLine(billing: OrgBilling): string {
  const periodEnd = billing.currentPeriodEndsAt ? date.format(billing.currentPeriodEndsAt) : null;
  switch (billing.status) {
    case null:
      return billing.mode === "off" ? "Billing is off on this server." : "No subscription: the free plan.";
    case "TRIALING":
      return billing.trialEndsAt ? `Free trial until ${date.format(billing.trialEndsAt)}.` : "Free trial.";
    case "ACTIVE":
      if (billing.cancelAtPeriodEnd)
        return `Canceled: the plan ends on ${periodEnd ?? "the end of the period"}.`;
      return periodEnd ? `Active. Renews on ${periodEnd}.` : "Active.";
    case "PAST_DUE":
      return billing.pastDue?.inGrace
        ? `Payment failed. The plan is kept until ${date.format(billing.pastDue.graceEndsAt)} while Stripe retries the card.`
        : "Payment failed and the grace period is over: the free plan until a payment succeeds.";
    case "CANCELED":
      return "The subscription was canceled: the free plan. Nothing was deleted.";
    case "UNPAID":
      return "Unpaid: the free plan until the open invoice is paid. Nothing was deleted.";
    case "INCOMPLETE":
      return "Waiting for the first payment to complete.";
    case "INCOMPLETE_EXPIRED":
      return "The first payment never completed: the free plan.";
    case "PAUSED":
      return "The subscription is paused: the free plan until it resumes.";
  }
}

function BillingOff() {
  return (
    <section
      aria-labelledby="billing-off"
      className="mt-6 rounded-lg border border-amber-300 bg-amber-50 p-6 text-amber-950"
    >
      <h2 id="billing-off" className="font-semibold">
        Billing is turned off
      </h2>
      <p className="mt-2 text-sm">
        This server runs without Stripe keys, so every organization is on the free plan and nothing can be
        bought. To turn billing on, an operator sets these variables and restarts the app:
      </p>
      <ul className="mt-3 list-disc space-y-1 pl-5 text-sm">
        <li>
          <code>STRIPE_SECRET_KEY</code>: the secret key from the Stripe dashboard (a test key outside
          production).
        </li>
        <li>
          <code>STRIPE_WEBHOOK_SECRET</code>: the signing secret of a webhook endpoint pointing at{" "}
          <code>/api/webhooks/stripe</code>.
        </li>
        <li>
          <code>STRIPE_PRICE_PRO</code> and <code>STRIPE_PRICE_BUSINESS</code>: the price ids of the paid
          plans.
        </li>
      </ul>
      <p className="mt-3 text-sm">The steps, with local testing, are in docs/BILLING.md.</p>
    </section>
  );
}
