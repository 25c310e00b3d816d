import Link from "next/link";

/** The sections of an organization, in navigation order, with the module that will deliver each. */
export const orgSections = [
  { label: "Projects", description: "The organization's projects.", module: "projects" },
  { label: "Members", description: "Who belongs to the organization, and their roles.", module: "identity" },
  { label: "Settings", description: "Name, URL and danger-zone actions.", module: "identity" },
  { label: "Billing", description: "Plan, invoices and payment method.", module: "billing", path: "billing" },
  { label: "Audit", description: "Every change, who made it and when.", module: "audit" },
] as const;

/**
 * The organization's side navigation. Sections with a `path` are links; the others are listed,
 * marked as coming, and become links when their pages land.
 */
export function OrgNav({ org }: { org: string }) {
  return (
    <nav aria-label="Organization" className="text-sm">
      <ul className="flex flex-wrap gap-1 md:flex-col">
        <li>
          <Link
            href={`/${org}`}
            className="block rounded-md px-3 py-2 font-medium text-slate-900 hover:bg-slate-100"
          >
            Overview
          </Link>
        </li>
        {orgSections.map((section) => (
          <li key={section.label}>
            {"path" in section ? (
              <Link
                href={`/${org}/${section.path}`}
                className="block rounded-md px-3 py-2 font-medium text-slate-900 hover:bg-slate-100"
              >
                {section.label}
              </Link>
            ) : (
              <span
                aria-disabled="true"
                className="flex cursor-not-allowed items-center justify-between gap-2 px-3 py-2 text-slate-500"
              >
                {section.label}
                <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600">
                  soon
                </span>
              </span>
            )}
          </li>
        ))}
      </ul>
    </nav>
  );
}
