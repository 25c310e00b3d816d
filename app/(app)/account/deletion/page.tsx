import type { Metadata } from "next";
import Link from "next/link";
import { PublicPage } from "@/components/public-page";
import { hasRecentAuthentication } from "@/lib/auth";
import { requirePageUser } from "@/lib/http";
import { accountDeletionStatus, readPrivacyConfig } from "@/lib/privacy";
import { CancelDeletionForm, RequestDeletionForm } from "./deletion-forms";

export const metadata: Metadata = { title: "Delete your account" };

const when = new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeStyle: "short", timeZone: "UTC" });
const link = "font-semibold text-indigo-700 underline underline-offset-4";

/**
 * Asks for the account's deletion, or, while one is pending (the page gate sends a signed-in user
 * here then), offers to cancel it.
 */
export default async function DeletionPage() {
  const user = await requirePageUser({ allow: ["deletionPending"], returnTo: "/account/deletion" });
  const status = await accountDeletionStatus(user.id);

  if (status.scheduledAt) {
    return (
      <PublicPage>
        <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
          <h1 className="text-3xl font-bold tracking-tight">Your account is scheduled for deletion</h1>
          <p className="mt-4 text-slate-700">
            On <strong>{when.format(status.scheduledAt)} UTC</strong> your account and everything it holds
            will be deleted for good. Until then you can keep it: cancelling restores it exactly as it was.
          </p>
          <p className="mt-4 text-slate-700">
            You can still{" "}
            <Link href="/account/export" className={link}>
              export your data
            </Link>{" "}
            without cancelling.
          </p>
          <CancelDeletionForm />
        </div>
      </PublicPage>
    );
  }

  const graceDays = readPrivacyConfig().ACCOUNT_DELETION_GRACE_DAYS;
  const blocked = status.blockingOrganizations.length > 0;
  const needsStepUp = !hasRecentAuthentication(user.authAt);
  return (
    <PublicPage>
      <div className="mx-auto max-w-xl px-4 py-16 sm:px-6">
        <p className="text-sm">
          <Link href="/account" className="text-indigo-700 underline underline-offset-4">
            Your account
          </Link>
        </p>
        <h1 className="mt-2 text-3xl font-bold tracking-tight">Delete your account</h1>
        <ul className="mt-4 list-disc space-y-2 pl-5 text-slate-700">
          <li>You are signed out everywhere at once.</li>
          <li>
            For {graceDays} days you can change your mind: sign in and cancel. After that your account, your
            memberships and your sign-in methods are deleted for good.
          </li>
          <li>Projects you created stay with their organizations, without your name.</li>
          <li>The audit log keeps what happened, under a pseudonym instead of your account.</li>
          <li>
            Want a copy first?{" "}
            <Link href="/account/export" className={link}>
              Export your data
            </Link>
            .
          </li>
        </ul>

        {blocked ? (
          <section
            aria-labelledby="blocking-heading"
            className="mt-8 rounded-md bg-amber-50 p-4 text-amber-950"
          >
            <h2 id="blocking-heading" className="font-semibold">
              First, hand over or delete these organizations
            </h2>
            <p className="mt-1 text-sm">
              You are their only owner and they have other members, who would be left without an owner. Make
              another member an owner, or delete the organization.
            </p>
            <ul className="mt-2 list-disc pl-5 text-sm">
              {status.blockingOrganizations.map((org) => (
                <li key={org.id}>
                  {org.name}:{" "}
                  <Link href={`/${org.slug}/members`} className="underline underline-offset-4">
                    make another member an owner
                  </Link>{" "}
                  or{" "}
                  <Link href={`/${org.slug}/settings`} className="underline underline-offset-4">
                    delete it
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        {status.organizationsDeletedWithAccount.length > 0 ? (
          <section aria-labelledby="with-account-heading" className="mt-8">
            <h2 id="with-account-heading" className="font-semibold">
              Deleted with your account
            </h2>
            <p className="mt-1 text-sm text-slate-700">
              You are the only member of these organizations. They are deleted with your account, with their
              projects, and any subscription is cancelled.
            </p>
            <ul className="mt-2 list-disc pl-5 text-sm text-slate-700">
              {status.organizationsDeletedWithAccount.map((org) => (
                <li key={org.id}>
                  {org.name} ({org.projects} {org.projects === 1 ? "project" : "projects"})
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        {needsStepUp && !blocked ? (
          <p className="mt-8 text-sm text-slate-700">
            For your security, confirm it's you before deleting your account:{" "}
            <Link href="/reauth?next=%2Faccount%2Fdeletion" className={link}>
              enter your password again
            </Link>
            .
          </p>
        ) : null}
        <RequestDeletionForm disabled={blocked} />
      </div>
    </PublicPage>
  );
}
