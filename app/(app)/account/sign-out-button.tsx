"use client";

import { Button } from "@/components/ui/button";
import { signOut } from "@/lib/auth/browser";

export function SignOutButton() {
  return (
    <Button type="button" variant="secondary" className="mt-8" onClick={() => signOut("/")}>
      Sign out
    </Button>
  );
}
