import type { Metadata } from "next";
import { MessagePage } from "@/components/message-page";

export const metadata: Metadata = { title: "Create an account" };

// Placeholder: the identity module replaces this page with the sign-up form.
export default function SignUpPage() {
  return (
    <MessagePage title="Create an account">
      <p>Sign-up arrives with the identity module.</p>
    </MessagePage>
  );
}
