import "server-only";
import { getServerSession } from "next-auth";
import { getDb } from "../db";
import { authOptions } from "./next-auth";

/** The signed-in user as pages and routes see it: one explicit public shape, never the raw row. */
export type CurrentUser = {
  id: string;
  email: string;
  name: string | null;
  emailVerified: boolean;
  mfa: "none" | "pending" | "verified";
};

/**
 * The signed-in user for this request, or null. The session was already checked (lifetime,
 * revocation, disabled account) by next-auth's jwt callback in lib/auth/next-auth.ts.
 */
export async function getCurrentUser(): Promise<CurrentUser | null> {
  const session = await getServerSession(authOptions());
  const claims = session?.user as { id?: string; mfa?: CurrentUser["mfa"] } | undefined;
  if (!claims?.id || !claims.mfa) return null;
  const user = await getDb().user.findUnique({
    where: { id: claims.id },
    select: { id: true, email: true, name: true, emailVerifiedAt: true },
  });
  if (!user) return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    emailVerified: user.emailVerifiedAt !== null,
    mfa: claims.mfa,
  };
}
