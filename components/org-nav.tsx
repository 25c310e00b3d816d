import Link from "next/link";

/**
 * The organization's sections, in navigation order. `permission` hides a section from roles that
 * can't open it (its page answers 404 to them anyway); `module` marks sections still on their way.
 */
export const orgSections = [
  {
    label: "Projects",
    path: "projects",
    description: "The organization's projects.",
    permission: "project.read",
  },
  {
    label: "Members",
    path: "members",
    description: "Who belongs to the organization, their roles, and invitations.",
    permission: "membership.read",
  },
  {
    label: "Settings",
    path: "settings",
    description: "Name, security and danger-zone actions.",
    permission: "organization.update",
  },
  { label: "Billing", path: null, description: "Plan, invoices and payment method.", module: "billing" },
  { label: "Audit", path: null, description: "Every change, who made it and when.", module: "audit" },
] as const;

/** The organization's side navigation, showing only what `permissions` (the viewer's role) allows. */
export function OrgNav({ org, permissions }: { org: string; permissions: readonly string[] }) {
  const linkClass = "block rounded-md px-3 py-2 font-medium text-slate-900 hover:bg-slate-100";
  return (
    <nav aria-label="Organization" className="text-sm">
      <ul className="flex flex-wrap gap-1 md:flex-col">
        <li>
          <Link href={`/${org}`} className={linkClass}>
            Overview
          </Link>
        </li>
        {orgSections.map((section) =>
          section.path === null ? (
            <li key={section.label}>
              <span
                aria-disabled="true"
                className="flex cursor-not-allowed items-center justify-between gap-2 px-3 py-2 text-slate-500"
              >
                {section.label}
                <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600">
                  soon
                </span>
              </span>
            </li>
          ) : permissions.includes(section.permission) ? (
            <li key={section.label}>
              <Link href={`/${org}/${section.path}`} className={linkClass}>
                {section.label}
              </Link>
            </li>
          ) : null,
        )}
      </ul>
    </nav>
  );
}
