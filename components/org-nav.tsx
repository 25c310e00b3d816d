import Link from "next/link";
import type { Permission } from "@/lib/authz";

type OrgSection = { label: string; path: string; description: string; permission: Permission };

/**
 * The organization's sections, in navigation order. `permission` hides a section from roles that
 * can't open it; the server checks again (its page answers 404 to them).
 */
export const orgSections: readonly OrgSection[] = [
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
  {
    label: "Billing",
    path: "billing",
    description: "Plan, invoices and payment method.",
    permission: "billing.read",
  },
  {
    label: "Audit",
    path: "audit",
    description: "Every change, who made it and when.",
    permission: "auditLog.read",
  },
];

/** The sections a member with these permissions may open. */
export function visibleSections(permissions: ReadonlySet<Permission>): readonly OrgSection[] {
  return orgSections.filter((section) => permissions.has(section.permission));
}

/** The organization's side navigation, showing only what the viewer's role allows. */
export function OrgNav({ org, permissions }: { org: string; permissions: ReadonlySet<Permission> }) {
  const linkClass = "block rounded-md px-3 py-2 font-medium text-slate-900 hover:bg-slate-100";
  return (
    <nav aria-label="Organization" className="text-sm">
      <ul className="flex flex-wrap gap-1 md:flex-col">
        <li>
          <Link href={`/${org}`} className={linkClass}>
            Overview
          </Link>
        </li>
        {visibleSections(permissions).map((section) => (
          <li key={section.label}>
            <Link href={`/${org}/${section.path}`} className={linkClass}>
              {section.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
