// Next.js 16 calls this file proxy.ts (it was middleware.ts before). It runs before routing, for
// every request the matcher below selects, and does only what must happen that early:
// a request id, and the Content-Security-Policy with a fresh nonce.
// Per-route decisions (auth, permissions, input, rate limits) belong to the route wrapper.
import { type NextRequest, NextResponse } from "next/server";
import { buildContentSecurityPolicy, createNonce, REQUEST_ID_HEADER, resolveRequestId } from "./lib/security";

const CSP_HEADER = "Content-Security-Policy";

/** The origin browser errors are posted to, when client error reporting is configured. */
const errorReportingOrigin = originOf(process.env.NEXT_PUBLIC_SENTRY_DSN);

export function proxy(request: NextRequest): NextResponse {
  const requestId = resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
  const policy = buildContentSecurityPolicy({
    nonce: createNonce(),
    isDevelopment: process.env.NODE_ENV === "development",
    isHttps: request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto") === "https",
    errorReportingOrigin,
  });

  // Request headers: the app's logs and error reports read the id; Next.js reads the nonce from the CSP.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set(REQUEST_ID_HEADER, requestId);
  requestHeaders.set(CSP_HEADER, policy);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set(REQUEST_ID_HEADER, requestId);
  response.headers.set(CSP_HEADER, policy);
  return response;
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
  // Everything except build assets, which carry no HTML and need neither a nonce nor a request id.
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
