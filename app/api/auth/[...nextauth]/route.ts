// next-auth's endpoints: sign-in (credentials, OAuth callbacks), sign-out, session, CSRF token.
import { NextRequest } from "next/server";
import NextAuth from "next-auth";
import { z } from "zod";
import { AUTH_BODY_MAX_BYTES, authOptions, captureSignInAnswer } from "@/lib/auth";
import { apiError, readTextBody, route } from "@/lib/http";

// No route segment config (`dynamic`…): Next refuses it when cacheComponents is on (create-next-app
// 16's default), and this handler reads the request, so it runs per request with or without it.

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
  async ({ request, input }) => {
    // next-auth parses whatever body it is sent, whole: read it here within a few kilobytes (413
    // past them), and hand next-auth the text. proxy.ts refuses a declared length over the cap even
    // earlier; this catches a body without one.
    let forNextAuth = request;
    if (request.method !== "GET" && request.method !== "HEAD") {
      const body = await readTextBody(request, { maxBytes: AUTH_BODY_MAX_BYTES });
      if (!body.ok) return body.response;
      forNextAuth = new NextRequest(request.url, {
        method: request.method,
        headers: request.headers,
        body: body.value,
      });
    }
    const response = await captureSignInAnswer(
      () =>
        NextAuth(
          forNextAuth as never,
          { params: Promise.resolve(input.params) } as never,
          authOptions(),
        ) as Promise<Response>,
    );
    return inTheErrorShape(response);
  },
);

/**
 * next-auth answers a request it has no action for (an unknown path, a POST without its CSRF token)
 * with a 400 in plain text ("This action with HTTP GET is not supported"). Such refusals get the
 * error body every other API answers with. Its JSON answers (the credentials sign-in's `{ url }`,
 * read by next-auth's client) and its redirects stay as they are.
 */
async function inTheErrorShape(response: Response): Promise<Response> {
  if (response.status < 400 || response.status >= 500) return response;
  if (response.headers.get("content-type")?.includes("application/json")) return response;
  await response.body?.cancel();
  return apiError(
    response.status,
    "auth_request_not_supported",
    "This sign-in request isn't one this server answers. Start again from the sign-in page.",
  );
}

export { handler as GET, handler as POST };
