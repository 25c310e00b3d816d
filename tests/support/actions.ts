// Server actions (lib/http action()) called the way Next.js calls them for a form post: the form's
// fields as FormData, inside a Next.js request scope (tests/support/next-request.ts), so next/headers
// reads the request's headers and cookies and after() work runs before the submit returns.
import { getURLFromRedirectError } from "next/dist/client/components/redirect";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import type { ActionState } from "@/lib/http";
import { inRequestScope } from "./next-request";
import { freshIp } from "./users";

/** What a form gets back: the action's state, or where it redirected the browser. */
export type ActionOutcome = ActionState | { status: "redirect"; to: string };

type FormAction = (previous: ActionState, form: FormData) => Promise<ActionState>;

/**
 * Submits `fields` to a server action as a form post from a browser with `cookie` (a session cookie
 * from sessionCookieFor) and, unless given, a fresh client address, so per-IP limits don't carry over.
 * `onSetCookie` hears the Set-Cookie values the action's cookie changes add up to (see inRequestScope).
 */
export async function submitAction(
  action: FormAction,
  fields: Record<string, string>,
  options: { cookie?: string; ip?: string; onSetCookie?: (setCookie: string[]) => void } = {},
): Promise<ActionOutcome> {
  const headers = new Headers({ "x-forwarded-for": options.ip ?? freshIp(), "user-agent": "vitest" });
  if (options.cookie) headers.set("cookie", options.cookie);
  const request = new Request("http://localhost/", { method: "POST", headers });
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  try {
    return await inRequestScope(request, () => action({ status: "idle" }, form), {
      onSetCookie: options.onSetCookie,
    });
  } catch (error) {
    // redirect() ends an action by throwing; the browser would follow it.
    if (isRedirectError(error)) return { status: "redirect", to: getURLFromRedirectError(error) };
    throw error;
  }
}
