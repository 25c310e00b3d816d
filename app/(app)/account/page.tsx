import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { PublicPage } from "@/components/public-page";
import { requirePageUser } from "@/lib/http";
import { listMyOrganizations } from "@/lib/orgs";
import { SignOutButton } from "./sign-out-button";

export const metadata: Metadata = { title: "Your account" };

/** The account hub: the user's organizations, and a link to every account setting. */
export default async function AccountPage({
  searchParams,
}: {
  searchParams: Promise<{ deletion?: string }>;
}) {
  const user = await requirePageUser({ returnTo: "/account" });
  const organizations = await listMyOrganizations(user.id);
  const { deletion } = await searchParams;
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Your account</h1>
        <p className="mt-4 text-slate-700">
          Signed in as <strong>{user.email}</strong>.
        </p>
        {deletion === "cancelled" ? (
          <p role="status" className="mt-4 rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            The deletion is cancelled: your account stays as it was.
          </p>
        ) : null}

        <Section id="organizations" title="Your organizations">
          {organizations.length === 0 ? (
            <p className="text-slate-700">You don't belong to an organization yet.</p>
          ) : (
            <ul className="space-y-1">
              {organizations.map((organization) => (
                <li key={organization.id}>
                  <HubLink href={`/${organization.slug}`}>{organization.name}</HubLink>{" "}
                  <span className="text-sm text-slate-600">({organization.role.toLowerCase()})</span>
                </li>
              ))}
            </ul>
          )}
          <p className="mt-3 text-sm">
            <HubLink href="/orgs/new">New organization</HubLink>
          </p>
        </Section>

        <Section id="sign-in-security" title="Sign-in and security">
          <ul className="space-y-1">
            <li>
              <HubLink href="/account/password">Change your password</HubLink>
            </li>
            <li>
              <HubLink href="/account/email">Change your email address</HubLink>
            </li>
            <li>
              <HubLink href="/account/mfa">Two-factor authentication</HubLink>{" "}
              <span className="text-slate-600">({user.mfaEnabled ? "on" : "off"})</span>
            </li>
            <li>
              <HubLink href="/account/sessions">Where you're signed in</HubLink>
            </li>
          </ul>
        </Section>

        <Section id="your-data" title="Your data">
          <ul className="space-y-1">
            <li>
              <HubLink href="/account/export">Export your data</HubLink>
            </li>
            <li>
              <HubLink href="/account/deletion">Delete your account</HubLink>
            </li>
          </ul>
        </Section>

        <Section id="billing" title="Billing">
          <p className="text-slate-700">
            Plans belong to organizations: owners and admins change them on the organization's Billing page.{" "}
            <HubLink href="/pricing">See the plans</HubLink>.
          </p>
        </Section>

        {user.isPlatformAdmin ? (
          <Section id="platform" title="Platform administration">
            <p className="text-slate-700">
              <HubLink href="/admin">Platform admin</HubLink>: users, organizations and the whole audit log.
            </p>
          </Section>
        ) : null}
        <SignOutButton />
      </div>
    </PublicPage>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id} className="mt-8">
      <h2 id={id} className="mb-2 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

function HubLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <Link href={href} className="font-semibold text-indigo-700 underline underline-offset-4">
      {children}
    </Link>
  );
}
