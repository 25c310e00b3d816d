// next-auth's endpoints: sign-in (credentials, OAuth callbacks), sign-out, session, CSRF token.
import NextAuth from "next-auth";
import { z } from "zod";
import { authOptions } from "@/lib/auth";
import { route } from "@/lib/http";

export const dynamic = "force-dynamic";

const handler = route(
  {
    auth: "public",
    // Sign-in is limited per IP and per account inside signInWithPassword, where the email is known.
    rateLimit: { exempt: "sign-in applies sign-in-ip and sign-in-account itself" },
    input: { params: z.object({ nextauth: z.array(z.string().max(100)).max(4) }) },
  },
  ({ request, input }) =>
    NextAuth(
      request as never,
      { params: Promise.resolve(input.params) } as never,
      authOptions(),
    ) as Promise<Response>,
);

export { handler as GET, handler as POST };
