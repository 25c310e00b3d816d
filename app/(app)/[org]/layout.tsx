import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { OrgNav } from "@/components/org-nav";
import { OrgSwitcher } from "@/components/org-switcher";
import { getOrgBilling, PLANS } from "@/lib/billing";
import { requirePageMember } from "@/lib/http";
import { listMyOrganizations } from "@/lib/orgs";
import { PastDueBanner } from "./billing/past-due-banner";

// Organization slugs are lowercase letters, digits and single hyphens (see Organization.slug). Any
// other first path segment, such as /favicon.ico or /Acme, is not an organization: answer 404 rather
// than render the app shell for it.
const orgSlugPattern = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

type Params = Promise<{ org: string }>;

/** The organization slug from the URL, or a 404 when it cannot be one. */
async function orgSlug(params: Params): Promise<string> {
  const { org } = await params;
  if (!orgSlugPattern.test(org)) notFound();
  return org;
}

// Metadata is resolved apart from rendering, so it checks the slug too (else /Acme would be titled "Acme").
export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  return { title: await orgSlug(params) };
}

/**
 * The signed-in app shell. Only members see it: anyone else gets the same 404 as for an organization
 * that doesn't exist. Each page checks again (requirePageMember is cached per request).
 */
export default async function OrgLayout({ children, params }: { children: ReactNode; params: Params }) {
  const org = await orgSlug(params);
  const member = await requirePageMember(org);
  const organizations = await listMyOrganizations(member.user.id);
  const billing = await getOrgBilling(member.org.id);

  return (
    <>
      <header className="border-b border-slate-200">
        <div className="flex items-center gap-3 px-4 py-3 sm:px-6">
          <Link href="/" className="rounded-sm font-bold tracking-tight">
            Shipshape
          </Link>
          <span aria-hidden="true" className="text-slate-300">
            /
          </span>
          <OrgSwitcher current={member.org} organizations={organizations} />
          <span className="ml-auto rounded bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
            {PLANS[billing.plan].name} plan
          </span>
        </div>
      </header>
      <PastDueBanner
        pastDue={billing.pastDue}
        orgSlug={member.org.slug}
        orgName={member.org.name}
        canManage={member.permissions.has("billing.manage")}
      />
      <div className="flex flex-1 flex-col md:flex-row">
        <div className="border-b border-slate-200 px-2 py-2 md:w-56 md:shrink-0 md:border-r md:border-b-0 md:px-3 md:py-6">
          <OrgNav org={org} permissions={member.permissions} />
        </div>
        <main id="main" className="flex-1 px-4 py-8 sm:px-8">
          {children}
        </main>
      </div>
    </>
  );
}
