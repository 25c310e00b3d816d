// Server actions (lib/http action()) called the way Next.js calls them for a form post: the form's
// fields as FormData, the request's headers and cookies read through next/headers, which the test
// file mocks with tests/support/next-request.ts (see there for the two vi.mock lines).
import { getURLFromRedirectError } from "next/dist/client/components/redirect";
import { isRedirectError } from "next/dist/client/components/redirect-error";
import type { ActionState } from "@/lib/http";
import { currentRequest } from "./next-request";
import { freshIp } from "./users";

/** What a form gets back: the action's state, or where it redirected the browser. */
export type ActionOutcome = ActionState | { status: "redirect"; to: string };

type FormAction = (previous: ActionState, form: FormData) => Promise<ActionState>;

/**
 * Submits `fields` to a server action as a form post from a browser with `cookie` (a session cookie
 * from sessionCookieFor) and, unless given, a fresh client address, so per-IP limits don't carry over.
 */
export async function submitAction(
  action: FormAction,
  fields: Record<string, string>,
  options: { cookie?: string; ip?: string } = {},
): Promise<ActionOutcome> {
  currentRequest.headers = new Headers({
    "x-forwarded-for": options.ip ?? freshIp(),
    "user-agent": "vitest",
  });
  currentRequest.cookies = new Map(parseCookieHeader(options.cookie ?? ""));
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  try {
    return await action({ status: "idle" }, form);
  } catch (error) {
    // redirect() ends an action by throwing; the browser would follow it.
    if (isRedirectError(error)) return { status: "redirect", to: getURLFromRedirectError(error) };
    throw error;
  }
}

function parseCookieHeader(header: string): [string, string][] {
  return header
    .split(";")
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes("="))
    .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]);
}
