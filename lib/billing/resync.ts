import "server-only";
import { recordAuditEvent } from "@/lib/audit";
import { getDb, type PrismaClient } from "@/lib/db";
import { type BillingConfig, readBillingConfig } from "./config";
import { subscriptionColumns } from "./effects";
import {
  BillingDisabledError,
  NoBillingAccountError,
  OrganizationNotFoundError,
  ResyncRaceError,
} from "./errors";
import { pastDueSinceAfter, settledStatus } from "./order";
import { planForPrice, TERMINAL } from "./state";
import { callStripe, type Stripe, stripeClient } from "./stripe";

export type ResyncResult = {
  orgId: string;
  subscriptionId: string | null;
  status: { from: string | null; to: string | null };
  plan: { from: string | null; to: string | null };
  changed: boolean;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Sets an organization's billing state from Stripe's API: the operator's tool when the stored state
 * is wrong (an event that can no longer be placed, a bug since fixed). Lists the customer's
 * subscriptions, takes the newest one that has not ended (else the newest), and stores it as the
 * subscription's snapshot as of Stripe's clock at the fetch (the response's Date): webhook events
 * created before that are then older than the stored state and ignored, newer ones apply as usual.
 * Audited `billing.subscription.resynced` in the same transaction. Throws StripeUnavailableError
 * (nothing changed), OrganizationNotFoundError, NoBillingAccountError (never checked out),
 * BillingDisabledError, or ResyncRaceError.
 */
export async function resyncFromStripe(
  orgReference: string,
  { db = getDb(), config = readBillingConfig() }: { db?: PrismaClient; config?: BillingConfig } = {},
): Promise<ResyncResult> {
  if (!config.enabled) throw new BillingDisabledError();
  const org = await db.organization.findFirst({
    where: UUID.test(orgReference) ? { id: orgReference } : { slug: orgReference },
    select: { id: true },
  });
  if (!org) throw new OrganizationNotFoundError(orgReference);
  const before = await db.billingAccount.findUnique({ where: { orgId: org.id } });
  if (!before) throw new NoBillingAccountError();

  const listed = await callStripe("list the organization's subscriptions", () =>
    stripeClient(config).subscriptions.list({ customer: before.stripeCustomerId, status: "all", limit: 100 }),
  );
  const stripeNow = stripeClock(listed.lastResponse?.headers);
  const current = currentSubscription(listed.data);

  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT 1 FROM "BillingAccount" WHERE "orgId" = ${org.id} FOR UPDATE`;
    const account = await tx.billingAccount.findUniqueOrThrow({ where: { orgId: org.id } });
    const newest = [account.subscriptionEventAt, account.invoiceEventAt].filter((at) => at !== null);
    if (newest.some((at) => at > stripeNow)) throw new ResyncRaceError();

    const snapshot = current ? subscriptionColumns(current) : null;
    const facts = {
      stripeSubscriptionId: snapshot?.stripeSubscriptionId ?? null,
      subscriptionStatus: snapshot?.status ?? null,
      subscriptionEventAt: stripeNow,
      // The snapshot already reflects every payment before the fetch.
      invoiceOutcome: null,
      invoiceEventAt: stripeNow,
    };
    const settled = settledStatus(facts);
    const pastDueSince = pastDueSinceAfter(account, settled);
    const columns = {
      ...facts,
      stripePriceId: snapshot?.stripePriceId ?? null,
      trialEndsAt: snapshot?.trialEndsAt ?? null,
      currentPeriodEndsAt: snapshot?.currentPeriodEndsAt ?? null,
      cancelAtPeriodEnd: snapshot?.cancelAtPeriodEnd ?? false,
      status: settled.status,
      pastDueSince,
    };
    const changed = (
      [
        "stripeSubscriptionId",
        "stripePriceId",
        "status",
        "trialEndsAt",
        "currentPeriodEndsAt",
        "cancelAtPeriodEnd",
      ] as const
    ).some((key) => String(account[key]) !== String(columns[key]));
    await tx.billingAccount.update({ where: { orgId: org.id }, data: columns });
    const result: ResyncResult = {
      orgId: org.id,
      subscriptionId: columns.stripeSubscriptionId,
      status: { from: account.status, to: columns.status },
      plan: {
        from: planForPrice(account.stripePriceId, config) ?? account.stripePriceId,
        to: planForPrice(columns.stripePriceId, config) ?? columns.stripePriceId,
      },
      changed,
    };
    await recordAuditEvent(
      {
        action: "billing.subscription.resynced",
        actor: { type: "SYSTEM", id: "billing-resync" },
        orgId: org.id,
        target: { type: "stripe_customer", id: account.stripeCustomerId },
        metadata: {
          subscriptionId: result.subscriptionId,
          status: result.status,
          plan: result.plan,
          changed,
          stripeTime: stripeNow.toISOString(),
        },
      },
      tx,
    );
    return result;
  });
}

/** The newest subscription that has not ended, else the newest: what the organization has now. */
function currentSubscription(subscriptions: Stripe.Subscription[]): Stripe.Subscription | null {
  const newestFirst = [...subscriptions].sort((a, b) => b.created - a.created);
  return (
    newestFirst.find((subscription) => {
      const status = subscriptionColumns(subscription).status;
      return !TERMINAL.has(status);
    }) ??
    newestFirst[0] ??
    null
  );
}

/**
 * Stripe's clock at the response (its Date header, whole seconds), the same clock as events'
 * `created`. Our own clock could run ahead of Stripe's and make real events after the re-sync look
 * old; without the header, the start of the current second on ours.
 */
function stripeClock(headers: Record<string, string | string[] | undefined> | undefined): Date {
  const date = headers?.date;
  const parsed = typeof date === "string" ? Date.parse(date) : Number.NaN;
  return new Date(Number.isNaN(parsed) ? Math.floor(Date.now() / 1000) * 1000 : parsed);
}
