import type { Metadata } from "next";
import { MessagePage } from "@/components/message-page";

export const metadata: Metadata = { title: "Sign in" };

// Placeholder: the identity module replaces this page with the sign-in form.
export default function SignInPage() {
  return (
    <MessagePage title="Sign in">
      <p>Sign-in arrives with the identity module.</p>
    </MessagePage>
  );
}
