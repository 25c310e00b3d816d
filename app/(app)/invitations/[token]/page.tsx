import type { Metadata } from "next";
import Link from "next/link";
import { ActionForm } from "@/components/action-form";
import { PublicPage } from "@/components/public-page";
import { getCurrentUser } from "@/lib/auth";
import { roleWithArticle } from "@/lib/authz";
import { previewInvitation } from "@/lib/orgs";
import { acceptInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Invitation", referrer: "no-referrer" };

type Props = { params: Promise<{ token: string }> };

const STATE_MESSAGES = {
  invalid: "This invitation link is not valid. Check that you copied the whole link.",
  expired: "This invitation has expired. Ask the organization to send a new one.",
  revoked: "This invitation was withdrawn. Ask the organization if you should still join.",
  accepted: "This invitation was already used.",
} as const;

/**
 * Opened from the invitation email. The link only shows this page; joining happens when the invited
 * person presses the button (a POST), because mail scanners open links on their own. Anyone may
 * see the page; only the invited address, signed in and verified, gets the button.
 */
export default async function InvitationPage({ params }: Props) {
  const { token } = await params;
  const user = await getCurrentUser();
  const invitation = await previewInvitation(token, user?.id ?? null);
  const here = `/invitations/${encodeURIComponent(token)}`;
  const linkClass = "font-semibold text-indigo-700 underline underline-offset-4";

  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">
          {invitation.state === "invalid" ? "Invitation" : `Join ${invitation.organizationName}`}
        </h1>
        {invitation.state !== "pending" ? (
          <p role="alert" className="mt-4 text-slate-700">
            {STATE_MESSAGES[invitation.state]}
          </p>
        ) : (
          <>
            <p className="mt-4 text-slate-700">
              You are invited to join <strong>{invitation.organizationName}</strong> as{" "}
              {roleWithArticle(invitation.role)}. The invitation is for {invitation.invitedEmail}.
            </p>
            {invitation.viewer === "invitee" ? (
              <ActionForm action={acceptInvitationAction} submitLabel="Accept invitation" className="mt-6">
                <input type="hidden" name="token" value={token} />
              </ActionForm>
            ) : invitation.viewer === "signed_out" ? (
              <p className="mt-6 text-slate-700">
                <Link href={`/sign-in?callbackUrl=${encodeURIComponent(here)}`} className={linkClass}>
                  Sign in
                </Link>{" "}
                or{" "}
                <Link href="/sign-up" className={linkClass}>
                  create an account
                </Link>{" "}
                with {invitation.invitedEmail} to accept it.
              </p>
            ) : invitation.viewer === "invitee_unverified" ? (
              <p role="alert" className="mt-6 text-slate-700">
                Verify your email address first: open the link we sent you, then come back to this page.
              </p>
            ) : (
              <p role="alert" className="mt-6 text-slate-700">
                You are signed in as {user?.email}, but this invitation is for {invitation.invitedEmail}. Only
                that address can accept it: sign out, then sign in with it.
              </p>
            )}
          </>
        )}
      </div>
    </PublicPage>
  );
}
