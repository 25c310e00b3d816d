// action(): the one wrapper for every server action. The same checks in the same order as route()
// (guard.ts); the outcome is a form state for React's useActionState instead of an HTTP response.
import "server-only";
import { headers as requestHeaders } from "next/headers";
import type { z } from "zod";
import type { OrgMembership, PolicyContext } from "../authz";
import { logger, withRequestContext } from "../log";
import { REQUEST_ID_TAG } from "../monitoring";
import { reportError } from "../monitoring/server";
import { clientIp, UNKNOWN_CLIENT_IP } from "../ratelimit";
import { HONEYPOT_FIELD, REQUEST_ID_HEADER, resolveRequestId } from "../security";
import {
  applyRateLimit,
  asPublicOutage,
  authenticate,
  type Caller,
  type Declaration,
  GuardError,
  isPublicError,
  markEndpoint,
  memberContext,
  type OrgScope,
  parseInput,
  refuseHostileText,
  reportOutage,
  requireRecentAuth,
} from "./guard";
import { type CurrentUser, getCurrentUser } from "./identity";
import { redirect, unstable_rethrow } from "./navigation";

/**
 * What a form shows after submitting: nothing yet, a success (with an optional message and data),
 * or an error with a stable code, a message for people and per-field messages.
 */
export type ActionState<Data = unknown> =
  | { status: "idle" }
  | { status: "ok"; message?: string; data?: Data }
  | { status: "error"; code: string; message: string; fields?: Record<string, string[]> };

export const IDLE: ActionState = { status: "idle" };

export { HONEYPOT_FIELD };

export type ActionDeclaration<S extends z.ZodType> = Declaration & {
  /** The form's fields, parsed from FormData (repeated names become arrays). Member actions need `org`. */
  input: S;
  /**
   * Public forms (sign-up, reset…) carry a honeypot (components/honeypot-field.tsx). When it is
   * filled the handler doesn't run, and the bot gets what a person gets when the form succeeds, so
   * it learns nothing: this `answer` (a form with useActionState), or a redirect to `redirectTo` (a
   * form whose action redirects to show the outcome).
   */
  honeypot?: { answer: ActionState } | { redirectTo: string };
};

type MemberParts<D> = D extends { auth: "member" }
  ? {
      org: OrgMembership["org"];
      role: OrgMembership["role"];
      scope: OrgScope;
      authorize(facts: PolicyContext): Promise<void>;
    }
  : object;

export type ActionContext<D extends Declaration, S extends z.ZodType> = {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  user: D extends { auth: "public" } ? CurrentUser | null : CurrentUser;
  input: z.output<S>;
} & MemberParts<D>;

/** What a handler returns: a success message (and data), or nothing. redirect() works as usual. */
export type ActionResult<Data> = { message?: string; data?: Data } | undefined;

type ActionHandler<D extends Declaration, S extends z.ZodType, Data> = (
  ctx: ActionContext<D, S>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that only redirects returns nothing.
) => Promise<ActionResult<Data> | void> | ActionResult<Data>;

/**
 * A wrapped action: with useActionState(action, IDLE) it returns the form state; used directly as
 * `<form action>` (no state to show) it returns nothing, and the handler redirects to show an outcome.
 */
export type WrappedAction<Data> = {
  (form: FormData): Promise<void>;
  (previous: ActionState<Data>, form: FormData): Promise<ActionState<Data>>;
};

/**
 * Wraps a server action: authenticate → membership (from the `org` field) → authorize → step-up →
 * input → rate limit → handler. Refusals and known errors become `{ status: "error", … }`; unknown
 * errors are logged and reported to Sentry, and the form gets a generic message with the request id.
 *
 *   export const renameOrganization = action(
 *     { auth: "member", permission: "organization.update", rateLimit: "api-user",
 *       input: z.object({ org: z.string(), name: z.string().trim().min(1).max(80) }) },
 *     async (ctx) => { await renameOrg(ctx.scope, ctx.input.name); return { message: "Renamed." }; },
 *   );
 */
export function action<const D extends Declaration, S extends z.ZodType, Data = unknown>(
  declaration: D & ActionDeclaration<S>,
  handler: ActionHandler<D, S, Data>,
): WrappedAction<Data> {
  const endpoint = async (first: ActionState<Data> | FormData, second?: FormData) => {
    const form = first instanceof FormData ? first : second;
    const headers = await requestHeaders();
    const requestId = resolveRequestId(headers.get(REQUEST_ID_HEADER));
    const state = await withRequestContext({ requestId }, () =>
      run(declaration, handler, form ?? new FormData(), headers, requestId),
    );
    return first instanceof FormData ? undefined : state;
  };
  return markEndpoint(endpoint as WrappedAction<Data>, {
    ...declaration,
    kind: "action",
    inputDeclared: declaration.input !== undefined,
  });
}

async function run<D extends Declaration, S extends z.ZodType, Data>(
  declaration: D & ActionDeclaration<S>,
  handler: ActionHandler<D, S, Data>,
  form: FormData,
  headers: Headers,
  requestId: string,
): Promise<ActionState<Data>> {
  try {
    const ip = clientIp(headers);
    const fields = formFields(form);
    // Hostile text never reaches a lookup, not even the membership's (member actions name the org).
    refuseHostileText(fields, "form");
    const caller: Caller = {
      user: await authenticate(declaration, getCurrentUser),
      membership: null,
      ip,
      userAgent: headers.get("user-agent"),
    };
    const memberParts =
      declaration.auth === "member" ? await memberContext(caller, declaration.permission, fields.org) : {};
    // A conditional step-up ({ when }) is checked by the lib function that knows the target.
    if (declaration.stepUp === true && caller.user) requireRecentAuth(caller.user);

    if (declaration.honeypot) {
      const trap = fields[HONEYPOT_FIELD];
      delete fields[HONEYPOT_FIELD];
      if (typeof trap === "string" && trap.length > 0) {
        logger.info({ event: "honeypot.tripped" }, "form honeypot filled in: answered without acting");
        if ("redirectTo" in declaration.honeypot) redirect(declaration.honeypot.redirectTo);
        return declaration.honeypot.answer as ActionState<Data>;
      }
    }
    const input = parseInput(declaration.input, fields, "form") as z.output<S>;
    await applyRateLimit(declaration, caller);

    const result = await handler({
      requestId,
      ip: ip === UNKNOWN_CLIENT_IP ? null : ip,
      userAgent: caller.userAgent,
      user: caller.user,
      input,
      ...memberParts,
    } as ActionContext<D, S>);
    return { status: "ok", ...(result ?? {}) };
  } catch (thrown) {
    // redirect() and notFound() work by throwing; let Next.js handle them.
    unstable_rethrow(thrown);
    const error = asPublicOutage(thrown);
    if (error instanceof GuardError || isPublicError(error)) {
      reportOutage(error, requestId);
      return {
        status: "error",
        code: error.code,
        message: error.message,
        ...(error.fields ? { fields: error.fields } : {}),
      };
    }
    logger.error({ err: error }, "server action failed");
    reportError(error, { tags: { [REQUEST_ID_TAG]: requestId } });
    return {
      status: "error",
      code: "internal_error",
      message: `Something went wrong on our side. Try again, or quote request id ${requestId} if you contact support.`,
    };
  }
}

/** FormData as a plain object: one value per name, or an array for repeated names. React's own $ACTION fields are dropped. */
export function formFields(form: FormData): Record<string, FormDataEntryValue | FormDataEntryValue[]> {
  const fields: Record<string, FormDataEntryValue | FormDataEntryValue[]> = {};
  for (const name of new Set(form.keys())) {
    if (name.startsWith("$ACTION")) continue;
    const values = form.getAll(name);
    fields[name] = values.length === 1 ? (values[0] as FormDataEntryValue) : values;
  }
  return fields;
}
