// The plans, as data. The pricing page, the billing page and the server's entitlement checks all read
// this table, so what a customer is shown is what the server enforces. Pure data, no server-only and
// no env: Stripe price ids are attached from the environment by config.ts (STRIPE_PRICE_<PLAN>).

/** Features a plan can include; code asks for them with requireEntitlement(org, feature). */
export const FEATURES = {
  audit_export: "Export the audit log",
  require_mfa: "Require two-factor authentication for every member",
  priority_support: "Priority support",
} as const;

export type Feature = keyof typeof FEATURES;

/** Countable allowances; code checks them with limit(org, quota). */
export const QUOTAS = {
  seats: "members and pending invitations",
  projects: "projects",
} as const;

export type Quota = keyof typeof QUOTAS;

export type Entitlements = {
  /** null: unlimited. */
  readonly seats: number | null;
  readonly projects: number | null;
  readonly features: readonly Feature[];
};

export type Plan = {
  readonly id: PlanId;
  readonly name: string;
  readonly tagline: string;
  /**
   * The price as the pricing page shows it. Stripe charges what the price id says: keep the two in
   * step when you change a price in the Stripe dashboard.
   */
  readonly displayPrice: string;
  readonly entitlements: Entitlements;
};

export const PLAN_IDS = ["free", "pro", "business"] as const;
export type PlanId = (typeof PLAN_IDS)[number];

/** The plans sold through Stripe Checkout; each needs a price id in STRIPE_PRICE_<PLAN>. */
export const PAID_PLAN_IDS = ["pro", "business"] as const satisfies readonly PlanId[];
export type PaidPlanId = (typeof PAID_PLAN_IDS)[number];

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    tagline: "For trying Shipshape out with a small team.",
    displayPrice: "$0",
    entitlements: { seats: 5, projects: 5, features: [] },
  },
  pro: {
    id: "pro",
    name: "Pro",
    tagline: "For teams that ship every week.",
    displayPrice: "$29 per month",
    entitlements: { seats: 20, projects: 50, features: ["audit_export", "require_mfa"] },
  },
  business: {
    id: "business",
    name: "Business",
    tagline: "For companies with compliance needs.",
    displayPrice: "$99 per month",
    entitlements: {
      seats: null,
      projects: null,
      features: ["audit_export", "require_mfa", "priority_support"],
    },
  },
};

export function isPaidPlan(id: string): id is PaidPlanId {
  return (PAID_PLAN_IDS as readonly string[]).includes(id);
}
