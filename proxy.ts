// Next.js 16 calls this file proxy.ts (it was middleware.ts before) and runs it on Node.js, before
// routing, for every request the matcher below selects. It does only what must happen that early:
// - a request id, and the Content-Security-Policy: a fresh nonce, or for a page prerendered at build
//   time the hashes of its inline scripts (decision 0037);
// - the coarse per-IP limit on pages (`pages-ip`): API routes declare their own limits in the route
//   wrapper, so they are not counted twice here;
// - the rolling session lifetime: a session cookie in use is re-issued with a fresh idle expiry;
// - refusing requests Next.js itself would answer with a 500 (refuseUnanswerable).
// Per-route decisions (auth, permissions, input, rate limits) belong to the route wrapper.
import { type NextRequest, NextResponse } from "next/server";
import { AUTH_BODY_MAX_BYTES } from "./lib/auth/body-limit";
import { renewSessionToken, sessionCookieNameFor } from "./lib/auth/session-renewal";
import { serverEnv } from "./lib/env";
import { checkRateLimit, clientIp, rateLimitHeaders, rateLimitRefusal } from "./lib/ratelimit";
import {
  ANSWERED_METHODS,
  buildContentSecurityPolicy,
  createNonce,
  methodNotAllowedBody,
  REQUEST_ID_HEADER,
  resolveRequestId,
  SERVER_ACTION_BODY_MAX_BYTES,
} from "./lib/security";
import { prerenderedPageHashes } from "./lib/security/prerendered";

const CSP_HEADER = "Content-Security-Policy";

/** The origin browser errors are posted to, when client error reporting is configured. */
const errorReportingOrigin = originOf(process.env.NEXT_PUBLIC_SENTRY_DSN);

export async function proxy(request: NextRequest): Promise<NextResponse> {
  const requestId = resolveRequestId(request.headers.get(REQUEST_ID_HEADER));
  // A prerendered page is served as built, without a nonce: its inline scripts are allowed by hash.
  const hashes = prerenderedPageHashes(request.nextUrl.pathname);
  const policy = buildContentSecurityPolicy({
    ...(hashes ?? { nonce: createNonce() }),
    isDevelopment: process.env.NODE_ENV === "development",
    isHttps: request.nextUrl.protocol === "https:" || request.headers.get("x-forwarded-proto") === "https",
    errorReportingOrigin,
  });

  const refusal = await refuseUnanswerable(request);
  if (refusal) {
    refusal.headers.set(REQUEST_ID_HEADER, requestId);
    return refusal;
  }

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

  // Request headers: the app's logs and error reports read the id; Next.js reads the nonce from the CSP
  // (a prerendered page is not rendered again, and needs none).
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set(REQUEST_ID_HEADER, requestId);
  requestHeaders.set(CSP_HEADER, policy);

  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set(REQUEST_ID_HEADER, requestId);
  response.headers.set(CSP_HEADER, policy);
  if (isPage) await renewSession(request, response);
  return response;
}

/**
 * Requests that Next.js would answer with a 500 of its own, before any of our code runs, answered
 * here with the status they deserve: a method the app doesn't have (405), a server-action post
 * larger than its limit (413) or with a body its handler can't parse (400), and a body for
 * next-auth's endpoints over their cap (413: next-auth parses any body whole; the route also caps
 * a body sent without a Content-Length while reading it).
 */
async function refuseUnanswerable(request: NextRequest): Promise<NextResponse | null> {
  const { method, headers } = request;
  const path = request.nextUrl.pathname;
  // Made-up methods (PROPFIND…) reach this far; TRACE is refused even earlier, by the server hook
  // (lib/security/node-server.ts), since Next.js can't build a request for it.
  if (!ANSWERED_METHODS.has(method)) {
    return new NextResponse(methodNotAllowedBody(method), {
      status: 405,
      headers: {
        allow: [...ANSWERED_METHODS].join(", "),
        "content-type": "application/json",
        "cache-control": "no-store",
      },
    });
  }
  const length = Number(headers.get("content-length") ?? 0);
  if (path.startsWith("/api/auth/") && length > AUTH_BODY_MAX_BYTES) {
    return refuse(413, "payload_too_large", `The request body is larger than ${AUTH_BODY_MAX_BYTES} bytes.`);
  }
  if (method !== "POST" || path.startsWith("/api/")) return null;
  // Next.js's own test for a server-action request (a form post to a page).
  const contentType = headers.get("content-type")?.toLowerCase() ?? "";
  const isServerAction =
    headers.has("next-action") ||
    contentType.startsWith("multipart/form-data") ||
    contentType === "application/x-www-form-urlencoded";
  if (!isServerAction) return null;
  const tooLarge = () =>
    refuse(
      413,
      "payload_too_large",
      `The form is larger than ${SERVER_ACTION_BODY_MAX_BYTES} bytes. Send less text, or fewer fields.`,
    );
  if (length > SERVER_ACTION_BODY_MAX_BYTES) return tooLarge();
  // proxy.ts reads a copy of the body (Next.js hands the handler its own): within the limit, it must
  // parse as what it says it is, or the action handler throws.
  const body = await readAtMost(request, SERVER_ACTION_BODY_MAX_BYTES);
  if (body === "too large") return tooLarge();
  if (!(await parses(body, headers.get("content-type") ?? ""))) {
    return refuse(
      400,
      "invalid_body",
      "This form post has no body the server can read. Send the form again from the page.",
    );
  }
  return null;
}

/** The body's bytes, or "too large" as soon as they pass `maxBytes` (a body without Content-Length). */
async function readAtMost(request: NextRequest, maxBytes: number): Promise<Uint8Array | "too large"> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    received += next.value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return "too large";
    }
    chunks.push(next.value);
  }
  const bytes = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Whether a server-action body parses the way Next.js's action handler will parse it. */
async function parses(body: Uint8Array, contentTypeHeader: string): Promise<boolean> {
  // Lowercased to recognise the type only: the multipart boundary is case-sensitive.
  const contentType = contentTypeHeader.toLowerCase();
  try {
    if (contentType.startsWith("text/plain")) {
      // A fetch action's arguments, encoded by React as JSON.
      JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
      return true;
    }
    if (
      contentType.startsWith("multipart/form-data") ||
      contentType === "application/x-www-form-urlencoded"
    ) {
      await new Response(body as BodyInit, { headers: { "content-type": contentTypeHeader } }).formData();
      return true;
    }
    return false;
  } catch {
    return false;
  }
}

/** A refusal in the API's error shape (lib/http apiError, which proxy.ts can't import: server-only). */
function refuse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): NextResponse {
  return NextResponse.json(
    { error: { code, message } },
    { status, headers: { "cache-control": "no-store", ...headers } },
  );
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
