import Link from "next/link";
import type { ReactNode } from "react";
import { HoneypotField } from "@/components/honeypot-field";
import { PublicPage } from "@/components/public-page";
import { Button } from "@/components/ui/button";
import type { WrappedAction } from "@/lib/http";

export const linkClass = "font-semibold text-indigo-700 underline underline-offset-4";

/**
 * The page an emailed email-change link opens. Opening it spends nothing (mail scanners open links
 * too); the button's POST does, and the action redirects back with `?done=` to show the outcome.
 */
export function EmailChangeLinkPage(props: {
  title: string;
  token: string | undefined;
  done: string | undefined;
  action: WrappedAction<unknown>;
  explanation: string;
  button: string;
  success: ReactNode;
  taken: string;
}) {
  const { token, done } = props;
  let body: ReactNode;
  if (done === "1") {
    body = (
      <div role="status" className="mt-4 space-y-4 text-slate-700">
        {props.success}
      </div>
    );
  } else if (done === "taken") {
    body = (
      <p role="alert" className="mt-4 text-slate-700">
        {props.taken}
      </p>
    );
  } else if (done === "0" || !token) {
    body = (
      <p role="alert" className="mt-4 text-slate-700">
        This link is invalid, already used or expired.{" "}
        <Link href="/account/email" className={linkClass}>
          Your email settings
        </Link>
        .
      </p>
    );
  } else {
    body = (
      <form action={props.action} className="relative mt-6">
        <p className="text-slate-700">{props.explanation}</p>
        <input type="hidden" name="token" value={token} />
        <HoneypotField />
        <Button type="submit" className="mt-6">
          {props.button}
        </Button>
      </form>
    );
  }
  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">{props.title}</h1>
        {body}
      </div>
    </PublicPage>
  );
}
