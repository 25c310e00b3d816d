// Broken object-level authorization, endpoint by endpoint: the rows of bola-matrix.ts become tests
// that call each route handler as Next.js would (a real Request with a real session cookie, on
// PostgreSQL). For every tenant-owned endpoint:
// - a user of another organization gets 404, word for word the answer for something that doesn't exist;
// - a role without the permission gets 403 (404 where the endpoint keeps existence secret), and a
//   role that fails the permission's condition gets 403; neither changes anything;
// - every role with the permission succeeds, and a change is audited as theirs (docs/SPEC.md).
// A last test fails when an endpoint under app/api/orgs is missing from the matrix.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SECURITY_EVENT_LOG_LEVELS } from "@/lib/audit";
import { type OrgRole, permissionsFor, ROLES } from "@/lib/authz";
import { endpointDeclaration } from "@/lib/http";
import { fakeStripeForThisFile, putOnPaidPlan } from "../support/billing";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";
import { BOLA_MATRIX, type BolaEndpoint, type Call, NOT_TENANT_SCOPED, type World } from "./bola-matrix";

// The world's organization is on a paid plan, so deleting it cancels a subscription: at a local
// fake Stripe, which answers "no such subscription".
const fakeStripe = fakeStripeForThisFile();

type Handler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

const routeFiles = import.meta.glob<Record<string, unknown>>("../../app/api/orgs/**/route.ts");

/** "../../app/api/orgs/[org]/route.ts" → "/api/orgs/[org]". */
const pathOf = (file: string) => path.posix.dirname(file.replace(/^(\.\.\/)+app/, ""));

async function handlerFor(endpoint: { method: string; path: string }): Promise<Handler> {
  const file = Object.keys(routeFiles).find((candidate) => pathOf(candidate) === endpoint.path);
  if (!file) throw new Error(`no route file for ${endpoint.path}`);
  const module = await routeFiles[file]?.();
  const handler = module?.[endpoint.method];
  if (typeof handler !== "function") throw new Error(`${endpoint.path} has no ${endpoint.method} export`);
  return handler as Handler;
}

async function createWorld(): Promise<World> {
  const { org, owner, admin, member } = await createTestOrg();
  // Unlimited, with every feature: this file is about who may act, not what the plan allows.
  await putOnPaidPlan(org.id, "business", fakeStripe.url);
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
async function createOutsider() {
  const { org, owner } = await createTestOrg(["OWNER"]);
  return { slug: org.slug, cookie: await sessionCookieFor(owner().userId) };
}

/** Calls the endpoint as a browser would: its path filled in, the session cookie, a JSON body. */
async function send(endpoint: BolaEndpoint, slug: string, cookie: string, call: Call) {
  const params: Record<string, string> = { org: slug, ...call.params };
  const url = endpoint.path.replace(/\[(\w+)\]/g, (_, name: string) =>
    encodeURIComponent(params[name] ?? ""),
  );
  const handler = await handlerFor(endpoint);
  const response = await handler(
    appRequest(url, { method: endpoint.method, cookie, body: call.body, ip: freshIp() }),
    { params: Promise.resolve(params) },
  );
  const text = await response.text();
  // JSON for the API's answers and errors; other bodies (a CSV export) as text.
  const json = response.headers.get("content-type")?.includes("application/json");
  return { status: response.status, body: json && text ? (JSON.parse(text) as unknown) : text || undefined };
}

const noSuchOrg = () => `no-such-org-${randomBytes(5).toString("hex")}`;
/** Ids of the audit events `userId` caused that record a change (not sign-ins or refusals). */
const changeEventsBy = async (userId: string) =>
  (
    await testDb().auditEvent.findMany({
      where: { actorId: userId, action: { notIn: Object.keys(SECURITY_EVENT_LOG_LEVELS) } },
      select: { id: true },
    })
  ).map((event) => event.id);
const deniedCount = (userId: string) =>
  testDb().auditEvent.count({ where: { action: "authz.denied", actorId: userId } });

describe.each(BOLA_MATRIX)("$method $path ($permission)", (endpoint) => {
  const allowed = ROLES.filter((role) => permissionsFor(role).includes(endpoint.permission));
  const refused = ROLES.filter((role) => !allowed.includes(role));

  it("declares the permission the matrix names", async () => {
    expect(endpointDeclaration(await handlerFor(endpoint))).toMatchObject({
      auth: "member",
      permission: endpoint.permission,
    });
  });

  it("answers a member of another organization 404, exactly as for no such organization", async () => {
    const world = await createWorld();
    const outsider = await createOutsider();
    const call = await endpoint.fixture(world, "OWNER");
    const before = await call.state?.();
    const foreign = await send(endpoint, world.org.slug, outsider.cookie, call);
    const missing = await send(endpoint, noSuchOrg(), outsider.cookie, call);
    expect(missing.status).toBe(404);
    expect(foreign).toEqual(missing);
    expect(await call.state?.()).toEqual(before);
  });

  // Only for endpoints that name a record: the id of another organization's record in one's own.
  if (endpoint.namesRecord) {
    it("answers 404 for another organization's record named in a request to one's own, exactly as for a missing id", async () => {
      const world = await createWorld();
      const call = await endpoint.fixture(world, "OWNER");
      if (!call.missing) throw new Error("namesRecord: the fixture must give `missing`");
      const outsider = await createOutsider();
      const before = await call.state?.();
      const foreign = await send(endpoint, outsider.slug, outsider.cookie, call);
      const missing = await send(endpoint, outsider.slug, outsider.cookie, call.missing);
      const noOrg = await send(endpoint, noSuchOrg(), outsider.cookie, call.missing);
      expect(missing.status).toBe(404);
      expect(foreign).toEqual(missing);
      // …and the same words as the wrapper's "no such organization".
      expect(missing).toEqual(noOrg);
      expect(await call.state?.()).toEqual(before);
    });
  }

  it.each(refused)(`refuses %s (no ${endpoint.permission}) and changes nothing`, async (role) => {
    const world = await createWorld();
    const call = await endpoint.fixture(world, role);
    const before = await call.state?.();
    const actor = world.members[role as OrgRole];
    const deniedBefore = await deniedCount(actor.userId);
    const answer = await send(endpoint, world.org.slug, actor.cookie, call);
    expect(answer.status).toBe(endpoint.existenceSecret ? 404 : 403);
    expect(answer.body).toMatchObject({
      error: { code: endpoint.existenceSecret ? "not_found" : "forbidden" },
    });
    expect(await call.state?.()).toEqual(before);
    expect(await deniedCount(actor.userId)).toBe(deniedBefore + 1);
  });

  it.each(endpoint.conditionDenials ?? [])("refuses $why with 403 and changes nothing", async (denial) => {
    const world = await createWorld();
    const call = await denial.fixture(world);
    const before = await call.state?.();
    const answer = await send(endpoint, world.org.slug, world.members[denial.role].cookie, call);
    expect(answer).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect(await call.state?.()).toEqual(before);
  });

  // docs/SPEC.md: every change to organizations, members, invitations and projects is audited.
  const changes = endpoint.method !== "GET";
  it.each(allowed)(`lets %s do it${changes ? ", and audits the change as theirs" : ""}`, async (role) => {
    const world = await createWorld();
    const call = await endpoint.fixture(world, role as OrgRole);
    const before = await call.state?.();
    const actor = world.members[role as OrgRole];
    const eventsBefore = await changeEventsBy(actor.userId);
    const answer = await send(endpoint, world.org.slug, actor.cookie, call);
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: endpoint.success });
    if (call.state && changes) expect(await call.state()).not.toEqual(before);
    if (changes) {
      const written = (await changeEventsBy(actor.userId)).filter((id) => !eventsBefore.includes(id));
      expect(written, `${endpoint.method} ${endpoint.path} wrote no audit event`).not.toEqual([]);
    }
  });
});

describe("the BOLA matrix", () => {
  it("covers every endpoint under app/api/orgs", async () => {
    const found: string[] = [];
    for (const [file, load] of Object.entries(routeFiles)) {
      const module = await load();
      for (const [name, value] of Object.entries(module)) {
        if (endpointDeclaration(value)) found.push(`${name} ${pathOf(file)}`);
      }
    }
    const listed = [...BOLA_MATRIX, ...NOT_TENANT_SCOPED].map((entry) => `${entry.method} ${entry.path}`);
    expect(found.length).toBeGreaterThan(15);
    expect(
      found.filter((endpoint) => !listed.includes(endpoint)),
      "add these to tests/integration/bola-matrix.ts",
    ).toEqual([]);
    expect(
      listed.filter((endpoint) => !found.includes(endpoint)),
      "no such endpoint: remove from the matrix",
    ).toEqual([]);
  });

  it("lists as not tenant-scoped only endpoints that load no membership", async () => {
    for (const entry of NOT_TENANT_SCOPED) {
      expect(endpointDeclaration(await handlerFor(entry))?.auth, entry.path).not.toBe("member");
    }
  });
});
