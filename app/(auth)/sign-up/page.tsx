import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { PublicPage } from "@/components/public-page";
import { describePasswordRules, getCurrentUser } from "@/lib/auth";
import { SignUpForm } from "./sign-up-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage() {
  if (await getCurrentUser()) redirect("/account");
  return (
    <PublicPage>
      <div className="mx-auto max-w-sm px-4 py-20 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">Create an account</h1>
        <SignUpForm passwordHint={describePasswordRules()} />
      </div>
    </PublicPage>
  );
}
