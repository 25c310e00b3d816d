import type { Metadata } from "next";
import { PublicPage } from "@/components/public-page";
import { ForgotPasswordForm } from "./forgot-password-form";

export const metadata: Metadata = { title: "Reset your password" };

export default function ForgotPasswordPage() {
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Reset your password</h1>
        <p className="mt-4 text-slate-700">
          Enter the address you sign in with. We'll email you a link to choose a new password.
        </p>
        <ForgotPasswordForm />
      </div>
    </PublicPage>
  );
}
