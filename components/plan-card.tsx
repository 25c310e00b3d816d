import type { ReactNode } from "react";
import { FEATURES, type Plan, QUOTAS } from "@/lib/billing";

/** What a plan includes, in words: the same table the server's entitlement checks read. */
export function planHighlights(plan: Plan): string[] {
  const { seats, projects, features } = plan.entitlements;
  const allowance = (count: number | null, what: string) =>
    count === null ? `Unlimited ${what}` : `Up to ${count} ${what}`;
  return [
    allowance(seats, QUOTAS.seats),
    allowance(projects, QUOTAS.projects),
    ...features.map((feature) => FEATURES[feature]),
  ];
}

/** One plan: name, price, tagline, what it includes, and whatever action fits where it is shown. */
export function PlanCard({
  plan,
  current = false,
  children,
}: {
  plan: Plan;
  current?: boolean;
  children?: ReactNode;
}) {
  return (
    <li
      aria-labelledby={`plan-${plan.id}`}
      className={`flex flex-col rounded-lg border p-6 ${current ? "border-indigo-600 ring-1 ring-indigo-600" : "border-slate-200"}`}
    >
      <h3 id={`plan-${plan.id}`} className="flex items-center justify-between gap-2 text-lg font-semibold">
        {plan.name}
        {current ? (
          <span className="rounded bg-indigo-50 px-2 py-0.5 text-xs font-medium text-indigo-800">
            Current plan
          </span>
        ) : null}
      </h3>
      <p className="mt-2 text-2xl font-bold tracking-tight">{plan.displayPrice}</p>
      <p className="mt-2 text-sm text-slate-600">{plan.tagline}</p>
      <ul className="mt-4 flex-1 space-y-2 text-sm text-slate-700">
        {planHighlights(plan).map((line) => (
          <li key={line} className="flex gap-2">
            <span aria-hidden="true" className="text-indigo-600">
              ✓
            </span>
            {line}
          </li>
        ))}
      </ul>
      {children ? <div className="mt-6">{children}</div> : null}
    </li>
  );
}
