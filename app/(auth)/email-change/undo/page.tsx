import type { Metadata } from "next";
import Link from "next/link";
import { undoEmailChangeAction } from "../actions";
import { EmailChangeLinkPage, linkClass } from "../link-page";

export const metadata: Metadata = { title: "Undo the email change" };

/** Opened from the notice sent to the old address after an email change. */
export default async function UndoEmailChangePage({
  searchParams,
}: {
  searchParams: Promise<{ token?: string; done?: string }>;
}) {
  const { token, done } = await searchParams;
  return (
    <EmailChangeLinkPage
      title="Undo the email change"
      token={token}
      done={done}
      action={undoEmailChangeAction}
      explanation="This puts this address back on your account and signs everyone out of it, including whoever made the change."
      button="Undo the change"
      taken="This address now belongs to another account, so it can't be put back. Contact support to recover your account."
      success={
        <>
          <p>Your old address is back, and everyone was signed out of the account.</p>
          <p>
            If you did not make the change, whoever did knew your password.{" "}
            <Link href="/forgot-password" className={linkClass}>
              Reset your password now
            </Link>
            .
          </p>
        </>
      }
    />
  );
}
