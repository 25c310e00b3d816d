// What bola.test.ts needs to run a BOLA matrix row against a handler: the world (an organization
// with one member per role), an outsider (the owner of another organization), sending a request as
// Next.js would, and the cross-organization record check. The check finds the records a call names
// by itself (the path's object-id segments, and every UUID in the path and the body), so it runs for
// every endpoint that names one, whatever its matrix row says; bola-guard.test.ts runs it against a
// handler with a planted unscoped lookup to show it catches one.
import { randomBytes, randomUUID } from "node:crypto";
import type { OrgRole } from "@/lib/authz";
import { putOnPaidPlan } from "../support/billing";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";
import type { BolaEndpoint, Call, World } from "./bola-matrix";

export type Handler = (
  request: Request,
  context: { params: Promise<Record<string, string>> },
) => Promise<Response>;
export type Answer = { status: number; body: unknown };

export async function createWorld(stripeApiBaseUrl: string): Promise<World> {
  const { org, owner, admin, member } = await createTestOrg();
  // Unlimited, with every feature: this is about who may act, not what the plan allows.
  await putOnPaidPlan(org.id, "business", stripeApiBaseUrl);
  const withCookie = async (entry: ReturnType<typeof owner>) => ({
    userId: entry.userId,
    membershipId: entry.membershipId,
    cookie: await sessionCookieFor(entry.userId),
  });
  return {
    org: { id: org.id, slug: org.slug },
    members: {
      OWNER: await withCookie(owner()),
      ADMIN: await withCookie(admin()),
      MEMBER: await withCookie(member()),
    },
  };
}

/** An owner of another organization: every permission there, none in the world's organization. */
export async function createOutsider() {
  const { org, owner } = await createTestOrg(["OWNER"]);
  return { slug: org.slug, cookie: await sessionCookieFor(owner().userId) };
}

/** Calls the handler as a browser would: the endpoint's path filled in, the session cookie, a JSON body. */
export async function send(
  handler: Handler,
  endpoint: Pick<BolaEndpoint, "method" | "path">,
  slug: string,
  cookie: string,
  call: Call,
): Promise<Answer> {
  const params: Record<string, string> = { org: slug, ...call.params };
  const url = endpoint.path.replace(/\[(\w+)\]/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? ""),
  );
  const response = await handler(
    appRequest(url, { method: endpoint.method, cookie, body: call.body, ip: freshIp() }),
    { params: Promise.resolve(params) },
  );
  const text = await response.text();
  // JSON for the API's answers and errors; other bodies (a CSV export) as text.
  const json = response.headers.get("content-type")?.includes("application/json");
  return { status: response.status, body: json && text ? (JSON.parse(text) as unknown) : text || undefined };
}

export const noSuchOrg = () => `no-such-org-${randomBytes(5).toString("hex")}`;

/** The path's object-id segments: every dynamic segment but the organization and catch-alls. */
export const objectIdSegments = (routePath: string) =>
  [...routePath.matchAll(/\[(\w+)\]/g)].map((match) => match[1] as string).filter((name) => name !== "org");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a call names records: the path's object ids, and each UUID in its body (at any depth). */
export function recordsNamed(endpoint: Pick<BolaEndpoint, "path">, call: Call): string[] {
  const named = objectIdSegments(endpoint.path).map((name) => `params.${name}`);
  const walk = (value: unknown, at: string) => {
    if (typeof value === "string" && UUID.test(value)) named.push(at);
    else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) walk(inner, `${at}.${key}`);
    }
  };
  walk(call.body, "body");
  for (const [name, value] of Object.entries(call.params ?? {})) {
    if (!named.includes(`params.${name}`)) walk(value, `params.${name}`);
  }
  return named;
}

/** The same call naming records that don't exist: a fresh UUID for every record it names. */
export function withMissingRecords(call: Call): Call {
  const replace = (value: unknown): unknown => {
    if (typeof value === "string" && UUID.test(value)) return randomUUID();
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, replace(inner)]));
    }
    return value;
  };
  return { params: replace(call.params) as Call["params"], body: replace(call.body) };
}

export type ForeignRecordResult = {
  /** Another organization's owner naming the world's record in a request to their own organization. */
  foreign: Answer;
  /** The same request naming records that don't exist. */
  missing: Answer;
  /** The same request to an organization that doesn't exist. */
  noOrg: Answer;
  stateBefore: unknown;
  stateAfter: unknown;
};

/**
 * Another organization's record named in a request to one's own. The record comes from the row's
 * fixture (built by the world's owner); the "missing" request is derived from it, not written by
 * the row's author. Throws when the endpoint has an object id in its path and the fixture gives no
 * UUID for it: such an endpoint can't be checked, so the matrix refuses to run it.
 */
export async function checkForeignRecord(
  handler: Handler,
  endpoint: BolaEndpoint,
  world: World,
  outsider: { slug: string; cookie: string },
  role: OrgRole = "OWNER",
): Promise<ForeignRecordResult> {
  const call = await endpoint.fixture(world, role);
  for (const segment of objectIdSegments(endpoint.path)) {
    const value = call.params?.[segment];
    if (typeof value !== "string" || !UUID.test(value)) {
      throw new Error(
        `${endpoint.method} ${endpoint.path}: the fixture gives no record id for [${segment}] (got ${String(value)}); ` +
          "make the fixture create a record of the world's organization and put its id in params, or the cross-organization check can't run",
      );
    }
  }
  const stateBefore = await call.state?.();
  const foreign = await send(handler, endpoint, outsider.slug, outsider.cookie, call);
  const missingCall = withMissingRecords(call);
  const missing = await send(handler, endpoint, outsider.slug, outsider.cookie, missingCall);
  const noOrg = await send(handler, endpoint, noSuchOrg(), outsider.cookie, missingCall);
  return { foreign, missing, noOrg, stateBefore, stateAfter: await call.state?.() };
}
