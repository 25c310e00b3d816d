import type { Metadata } from "next";
import Link from "next/link";
import { confirmEmailChangeAction } from "../actions";
import { EmailChangeLinkPage, linkClass } from "../link-page";

export const metadata: Metadata = { title: "Confirm your new email address" };

/** Opened from the confirmation email sent to the new address. */
export default async function ConfirmEmailChangePage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; done?: string }>;
}) {
  const { token, done } = await searchParams;
  return (
    <EmailChangeLinkPage
      title="Confirm your new email address"
      token={token}
      done={done}
      action={confirmEmailChangeAction}
      explanation="Your account will use this address from now on. Everyone signed in to the account, you included, is signed out, and your old address is told about the change."
      button="Use this email address"
      taken="This address now belongs to another account, so it can't be used. Your address has not changed."
      success={
        <>
          <p>Your email address is changed, and everyone was signed out.</p>
          <p>
            <Link href="/sign-in" className={linkClass}>
              Sign in with your new address
            </Link>
            .
          </p>
        </>
      }
    />
  );
}
