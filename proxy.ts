// Next.js 16 calls this file proxy.ts (it was middleware.ts before) and runs it on Node.js, before
// routing, for every request the matcher below selects. It does only what must happen that early:
// - a request id, and the Content-Security-Policy with a fresh nonce;
// - the coarse per-IP limit on pages (`pages-ip`): API routes declare their own limits in the route
//   wrapper, so they are not counted twice here;
// - the rolling session lifetime: a session cookie in use is re-issued with a fresh idle expiry.
// Per-route decisions (auth, permissions, input, rate limits) belong to the route wrapper.
import { type NextRequest, NextResponse } from "next/server";
import { renewSessionToken, sessionCookieNameFor } from "./lib/auth/session-renewal";
import { serverEnv } from "./lib/env";
import { checkRateLimit, clientIp, rateLimitHeaders, rateLimitRefusal } from "./lib/ratelimit";
import { buildContentSecurityPolicy, createNonce, REQUEST_ID_HEADER, resolveRequestId } from "./lib/security";

const CSP_HEADER = "Content-Security-Policy";

/** The origin browser errors are posted to, when client error reporting is configured. */
const errorReportingOrigin = originOf(process.env.NEXT_PUBLIC_SENTRY_DSN);

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const requestId = resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
  const policy = buildContentSecurityPolicy({
    nonce: createNonce(),
    isDevelopment: process.env.NODE_ENV === "development",
    isHttps: request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto") === "https",
    errorReportingOrigin,
  });

  const isPage = !request.nextUrl.pathname.startsWith("/api/");
  if (isPage) {
    const decision = await checkRateLimit("pages-ip", clientIp(request.headers));
    if (!decision.allowed) {
      const refusal = rateLimitRefusal(decision);
      return new NextResponse(tooManyRequestsPage(refusal.message), {
        status: refusal.status,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          [REQUEST_ID_HEADER]: requestId,
          [CSP_HEADER]: policy,
          ...rateLimitHeaders(decision, "pages-ip"),
        },
      });
    }
  }

  // Request headers: the app's logs and error reports read the id; Next.js reads the nonce from the CSP.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set(REQUEST_ID_HEADER, requestId);
  requestHeaders.set(CSP_HEADER, policy);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set(REQUEST_ID_HEADER, requestId);
  response.headers.set(CSP_HEADER, policy);
  if (isPage) await renewSession(request, response);
  return response;
}

async function renewSession(request: NextRequest, response: NextResponse): Promise<void> {
  const appUrl = serverEnv().APP_URL;
  const name = sessionCookieNameFor(appUrl);
  const token = request.cookies.get(name)?.value;
  if (!token) return;
  const renewed = await renewSessionToken(token);
  if (!renewed) return;
  response.cookies.set(name, renewed.value, {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure: appUrl.startsWith("https://"),
    maxAge: renewed.maxAgeSeconds,
  });
}

/** A plain page for people (and a clear body for scripts): no scripts, no external resources. */
function tooManyRequestsPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Too many requests · Shipshape</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; color: #0f172a">
<main><h1>Too many requests</h1><p>${message}</p>
<p>If you share this network with many people (an office or a school), this can happen without anything being wrong. Waiting a moment fixes it.</p></main>
</body></html>`;
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

export const config = {
  // Everything except build assets, which carry no HTML and need neither a nonce nor a request id,
  // and the Stripe webhook: Next.js reads the whole body of a request the proxy runs on before the
  // route sees it (up to 10 MB), which would defeat the webhook's streamed 256 KiB cap. The webhook
  // needs nothing from here (no page, no session; the route wrapper makes its request id).
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/webhooks/stripe).*)"],
};
