import type { Metadata } from "next";
import { PublicPage } from "@/components/public-page";
import { linkedOAuthProviders, reauthMethods, safeReturnPath } from "@/lib/auth";
import { requirePageUser } from "@/lib/http";
import { CodeForm, PasswordForm, ProviderButtons } from "./reauth-forms";

export const metadata: Metadata = { title: "Confirm it's you" };

/**
 * Step-up: endpoints that change something sensitive answer `step_up_required` unless the session
 * proved a password or code in the last 10 minutes; their pages send people here with `next`.
 */
export default async function ReauthPage({
  searchParams,
}: {
  searchParams: Promise<{ next?: string | string[] }>;
}) {
  const next = safeReturnPath((await searchParams).next);
  const user = await requirePageUser({ returnTo: `/reauth?next=${encodeURIComponent(next)}` });
  const methods = await reauthMethods(user.id);
  const providers = methods.password || methods.totp ? [] : await linkedOAuthProviders(user.id);
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Confirm it's you</h1>
        <p className="mt-4 text-slate-700">
          You're about to change something sensitive on your account. Confirm who you are to continue; it
          counts for 10 minutes.
        </p>
        {methods.password ? <PasswordForm next={next} /> : null}
        {methods.password && methods.totp ? (
          <p className="mt-8 border-t border-slate-200 pt-6 text-sm text-slate-600">
            Or use your authenticator app:
          </p>
        ) : null}
        {methods.totp ? <CodeForm next={next} /> : null}
        {providers.length > 0 ? (
          <>
            <p className="mt-6 text-sm text-slate-600">Your account signs in through:</p>
            <ProviderButtons providers={providers} next={next} />
          </>
        ) : null}
        {!methods.password && !methods.totp && providers.length === 0 ? (
          <p role="alert" className="mt-6 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
            Your account has no password, authenticator or enabled sign-in provider to confirm with. Set a
            password with "Forgot your password?" on the sign-in page.
          </p>
        ) : null}
      </div>
    </PublicPage>
  );
}
