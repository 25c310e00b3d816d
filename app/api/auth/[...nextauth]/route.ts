// next-auth's endpoints: sign-in (credentials, OAuth callbacks), sign-out, session, CSRF token.
import NextAuth from "next-auth";
import { z } from "zod";
import { authOptions, captureSignInAnswer } from "@/lib/auth";
import { route } from "@/lib/http";

export const dynamic = "force-dynamic";

const handler = route(
  {
    auth: "public",
    // Sign-in is limited per IP and per account (or known device) inside signInWithPassword, where the
    // email is known;
    // captureSignInAnswer turns its refusal into a 429 (503 when the store is down) with headers,
    // and adds the device cookie a completed sign-in gives the browser.
    rateLimit: { exempt: "sign-in applies sign-in-ip and sign-in-account itself" },
    input: { params: z.object({ nextauth: z.array(z.string().max(100)).max(4) }) },
  },
  ({ request, input }) =>
    captureSignInAnswer(
      () =>
        NextAuth(
          request as never,
          { params: Promise.resolve(input.params) } as never,
          authOptions(),
        ) as Promise<Response>,
    ),
);

export { handler as GET, handler as POST };
