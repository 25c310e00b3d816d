// next-auth's endpoints as the browser calls them: the route handler in app/api/auth/[...nextauth],
// run in a Next.js request scope (so after() is Next's own), from one client address.
import { NextRequest } from "next/server";
import { GET as nextAuthGet, POST as nextAuthPost } from "@/app/api/auth/[...nextauth]/route";
import { inRequestScope } from "./next-request";

/**
 * `answered` resolves when the handler has its response ready to send; `finished` when the request
 * is done, the work handed to after() included.
 */
export type NextAuthCall = { answered: Promise<Response>; finished: Promise<Response> };

export function callNextAuth(
  segments: string[],
  options: { ip: string; cookie?: string; form?: Record<string, string> },
): NextAuthCall {
  const headers = new Headers({ "x-forwarded-for": options.ip, "user-agent": "vitest" });
  if (options.cookie) headers.set("cookie", options.cookie);
  const request = new NextRequest(new URL(`/api/auth/${segments.join("/")}`, "http://localhost"), {
    method: options.form ? "POST" : "GET",
    headers,
    body: options.form ? new URLSearchParams(options.form) : undefined,
  });
  const handler = options.form ? nextAuthPost : nextAuthGet;
  let markAnswered = (_response: Response) => {};
  const answered = new Promise<Response>((resolve) => {
    markAnswered = resolve;
  });
  const finished = inRequestScope(request, async () => {
    const response = await handler(request, { params: Promise.resolve({ nextauth: segments }) });
    markAnswered(response);
    return response;
  });
  return { answered, finished };
}

/**
 * A password sign-in as next-auth/react's signIn() sends it: a CSRF token, then the credentials
 * callback with the form's fields (email, password, and the honeypot if given). `browserCookie`:
 * what the browser already holds (`name=value; …`, e.g. a device cookie), sent with both requests.
 */
export async function signInThroughNextAuth(
  fields: Record<string, string>,
  ip: string,
  browserCookie?: string,
): Promise<NextAuthCall> {
  const csrf = await callNextAuth(["csrf"], { ip, cookie: browserCookie }).finished;
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookie = [browserCookie, ...csrf.headers.getSetCookie().map((header) => header.split(";")[0])]
    .filter(Boolean)
    .join("; ");
  return callNextAuth(["callback", "credentials"], {
    ip,
    cookie,
    form: { ...fields, csrfToken, callbackUrl: "/account", json: "true" },
  });
}

/** Whether `response` sets next-auth's session cookie (`[__Secure-]next-auth.session-token=`), so signs the browser in. */
export function setsSessionCookie(response: Response): boolean {
  return response.headers.getSetCookie().some((cookie) => cookie.includes("session-token="));
}
