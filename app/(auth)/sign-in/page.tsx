import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { PublicPage } from "@/components/public-page";
import { getCurrentUser } from "@/lib/auth";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage() {
  if (await getCurrentUser()) redirect("/account");
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Sign in</h1>
        <SignInForm />
      </div>
    </PublicPage>
  );
}
