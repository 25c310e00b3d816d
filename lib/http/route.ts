// route(): the one wrapper for every app/**/route.ts handler. See guard.ts for the checks and their
// order; this file turns them, the handler's result and any error into HTTP responses.
import "server-only";
import type { z } from "zod";
import type { OrgMembership, PolicyContext } from "../authz";
import { serverEnv } from "../env";
import { logger, withRequestContext } from "../log";
import { REQUEST_ID_TAG } from "../monitoring";
import { reportError } from "../monitoring/server";
import { clientIp, UNKNOWN_CLIENT_IP } from "../ratelimit";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./body";
import { apiError } from "./errors";
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
  retryAfterHeader,
} from "./guard";
import { type CurrentUser, currentUserFromRequest } from "./identity";
import { requestIdOf } from "./request-id";

/** zod schemas for the parts of a request. Declare `{}` for an endpoint that takes no input. */
export type RouteInput = { params?: z.ZodType; query?: z.ZodType; body?: z.ZodType };

type Parsed<I extends RouteInput> = {
  params: I["params"] extends z.ZodType ? z.output<I["params"]> : undefined;
  query: I["query"] extends z.ZodType ? z.output<I["query"]> : undefined;
  body: I["body"] extends z.ZodType ? z.output<I["body"]> : undefined;
};

export type RouteDeclaration<I extends RouteInput> = Declaration & {
  input: I;
  /** Largest accepted JSON body (default 100 kB): larger answers 413. */
  maxBodyBytes?: number;
};

type MemberParts<D> = D extends { auth: "member" }
  ? {
      org: OrgMembership["org"];
      role: OrgMembership["role"];
      /** Pass to lib functions: they put orgId into every query. */
      scope: OrgScope;
      /** Checks the declared permission again with facts the handler loaded (conditional grants). */
      authorize(facts: PolicyContext): Promise<void>;
    }
  : object;

export type RouteContext<D extends Declaration, I extends RouteInput> = {
  request: Request;
  requestId: string;
  /** The client IP (lib/ratelimit's trust rules), or null when unknown. */
  ip: string | null;
  userAgent: string | null;
  /** Null on public endpoints (call currentUserFromRequest from lib/auth if one needs it). */
  user: D extends { auth: "public" } ? null : CurrentUser;
  input: Parsed<I>;
} & MemberParts<D>;

/** What a route handler may return: a Response, or a value sent as JSON (undefined: 204). */
export type RouteResult = Response | Record<string, unknown> | unknown[] | undefined;

type NextRouteContext = { params: Promise<Record<string, string | string[]>> };

/**
 * Wraps a route handler: authenticate → membership → authorize → step-up → input → rate limit →
 * handler, answering every refusal and known error as `{ error: { code, message, fields? } }` and
 * every unknown error as a 500 reported to Sentry with the request id.
 *
 *   export const PATCH = route(
 *     { auth: "member", permission: "project.update", rateLimit: "api-user",
 *       input: { params: z.object({ org: z.string(), projectId: z.uuid() }), body: projectUpdate } },
 *     async (ctx) => updateProject(ctx.scope, ctx.input.params.projectId, ctx.input.body),
 *   );
 */
export function route<const D extends Declaration, const I extends RouteInput>(
  declaration: D & RouteDeclaration<I>,
  handler: (ctx: RouteContext<D, I>) => Promise<RouteResult> | RouteResult,
): (request: Request, context?: NextRouteContext) => Promise<Response> {
  const endpoint = (request: Request, context?: NextRouteContext) => {
    const requestId = requestIdOf(request);
    return withRequestContext({ requestId }, () => handle(declaration, handler, request, context, requestId));
  };
  return markEndpoint(endpoint, {
    ...declaration,
    kind: "route",
    inputDeclared: declaration.input !== undefined,
  });
}

async function handle<D extends Declaration, I extends RouteInput>(
  declaration: D & RouteDeclaration<I>,
  handler: (ctx: RouteContext<D, I>) => Promise<RouteResult> | RouteResult,
  request: Request,
  context: NextRouteContext | undefined,
  requestId: string,
): Promise<Response> {
  let rateLimitResponseHeaders: Record<string, string> = {};
  try {
    const ip = clientIp(request.headers);
    const rawParams = (await context?.params) ?? {};
    // Hostile text never reaches a lookup, not even the membership's (the org slug is a path param).
    refuseHostileText(rawParams, "path");
    refuseHostileText(queryValues(request), "query");
    // Before the session is even read: a cookie-authenticated change must come from this site.
    if (declaration.auth !== "public") refuseCrossSiteChange(request);
    const caller: Caller = {
      // Public endpoints don't pay for a session lookup they don't use.
      user:
        declaration.auth === "public"
          ? null
          : await authenticate(declaration, () => currentUserFromRequest(request)),
      membership: null,
      ip,
      userAgent: request.headers.get("user-agent"),
    };
    const memberParts =
      declaration.auth === "member" ? await memberContext(caller, declaration.permission, rawParams.org) : {};
    // A conditional step-up ({ when }) is checked by the lib function that knows the target.
    if (declaration.stepUp === true && caller.user) requireRecentAuth(caller.user);

    const input = await parseRouteInput(declaration, request, rawParams);
    rateLimitResponseHeaders = await applyRateLimit(declaration, caller);

    const result = await handler({
      request,
      requestId,
      ip: ip === UNKNOWN_CLIENT_IP ? null : ip,
      userAgent: caller.userAgent,
      user: caller.user,
      input,
      ...memberParts,
    } as RouteContext<D, I>);
    return toResponse(result, rateLimitResponseHeaders);
  } catch (error) {
    return errorResponse(error, requestId, rateLimitResponseHeaders);
  }
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF defence for endpoints that act on the session cookie. SameSite=Lax already keeps the cookie
 * off cross-site POSTs in current browsers; this second layer refuses any state-changing request
 * whose Origin names another site (or, without Origin, whose Sec-Fetch-Site says cross-site), so a
 * browser with laxer cookie rules or a same-site subdomain attack doesn't get through either.
 * Requests without either header come from non-browser clients, which can't ride a victim's cookie.
 * (Server actions get the same check from Next.js itself.)
 */
function refuseCrossSiteChange(request: Request): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.get("origin");
  const fetchSite = request.headers.get("sec-fetch-site");
  const crossSite =
    origin !== null
      ? origin !== new URL(serverEnv().APP_URL).origin
      : fetchSite === "cross-site" || fetchSite === "same-site";
  if (crossSite) {
    throw new GuardError(
      403,
      "cross_site_request",
      "This request came from another site, so it was refused. Make the change from the app itself.",
    );
  }
}

async function parseRouteInput<I extends RouteInput>(
  declaration: RouteDeclaration<I>,
  request: Request,
  rawParams: Record<string, unknown>,
): Promise<Parsed<I>> {
  const { params, query, body } = declaration.input;
  const parsed = { params: undefined, query: undefined, body: undefined } as Record<string, unknown>;
  if (params) parsed.params = parseInput(params, rawParams, "path");
  if (query) parsed.query = parseInput(query, Object.fromEntries(new URL(request.url).searchParams), "query");
  if (body) {
    const json = await readJsonBody(request, {
      maxBytes: declaration.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    });
    if (!json.ok) return Promise.reject(new ResponseError(json.response));
    parsed.body = parseInput(body, json.value, "body");
  }
  return parsed as Parsed<I>;
}

/** The query parameters by name (a repeated name: its values), for the hostile-text check. */
function queryValues(request: Request): Record<string, string | string[]> {
  // No prototype: a parameter named __proto__ is a parameter like any other.
  const values: Record<string, string | string[]> = Object.create(null);
  const params = new URL(request.url).searchParams;
  for (const name of new Set(params.keys())) {
    const all = params.getAll(name);
    values[name] = all.length === 1 ? (all[0] as string) : all;
  }
  return values;
}

/** Carries a ready response (413/400 from readJsonBody) through the error path. */
class ResponseError extends Error {
  constructor(readonly response: Response) {
    super("request refused");
  }
}

function toResponse(result: RouteResult, headers: Record<string, string>): Response {
  if (result instanceof Response) {
    for (const [name, value] of Object.entries(headers)) {
      if (!result.headers.has(name)) result.headers.set(name, value);
    }
    return result;
  }
  if (result === undefined)
    return new Response(null, { status: 204, headers: { "cache-control": "no-store", ...headers } });
  return Response.json(result, { headers: { "cache-control": "no-store", ...headers } });
}

function errorResponse(thrown: unknown, requestId: string, headers: Record<string, string>): Response {
  if (thrown instanceof ResponseError) return thrown.response;
  const error = asPublicOutage(thrown);
  if (error instanceof GuardError || isPublicError(error)) {
    reportOutage(error, requestId);
    const body = {
      error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) },
    };
    const extra = error instanceof GuardError ? error.headers : undefined;
    return Response.json(body, {
      status: error.status,
      headers: { "cache-control": "no-store", ...headers, ...retryAfterHeader(error), ...extra },
    });
  }
  logger.error({ err: error }, "route handler failed");
  reportError(error, { tags: { [REQUEST_ID_TAG]: requestId } });
  return apiError(
    500,
    "internal_error",
    `Something went wrong on our side. Quote request id ${requestId} if you contact support.`,
  );
}
