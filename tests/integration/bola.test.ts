// Broken object-level authorization, endpoint by endpoint: the rows of bola-matrix.ts become tests
// that call each route handler as Next.js would (a real Request with a real session cookie, on
// PostgreSQL). For every tenant-owned endpoint:
// - a user of another organization gets 404, word for word the answer for something that doesn't exist;
// - a role without the permission gets 403 (404 where the endpoint keeps existence secret), and a
//   role that fails the permission's condition gets 403; neither changes anything;
// - every role with the permission succeeds, and a change is audited as theirs (docs/SPEC.md).
// - another organization's record named in a request to one's own gets 404 too, for every endpoint
//   whose path or call names a record (bola-harness.ts finds them; the row doesn't say);
// The last tests fail when an endpoint under app/api/orgs is missing from the matrix, or an endpoint
// anywhere with an object id in its path is in neither the matrix nor OWNED_OUTSIDE_ORGS.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SECURITY_EVENT_LOG_LEVELS } from "@/lib/audit";
import { type OrgRole, permissionsFor, ROLES } from "@/lib/authz";
import { endpointDeclaration } from "@/lib/http";
import { scanEndpoints } from "@/tools/route-coverage";
import { fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import {
  checkForeignRecord,
  createOutsider,
  createWorld as createWorldWith,
  type Handler,
  noSuchOrg,
  objectIdSegments,
  recordsNamed,
  send as sendTo,
} from "./bola-harness";
import {
  BOLA_MATRIX,
  type BolaEndpoint,
  type Call,
  NOT_TENANT_SCOPED,
  OWNED_OUTSIDE_ORGS,
} from "./bola-matrix";

// The world's organization is on a paid plan, so deleting it cancels a subscription: at a local
// fake Stripe, which answers "no such subscription".
const fakeStripe = fakeStripeForThisFile();

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

const createWorld = () => createWorldWith(fakeStripe.url);
const send = async (endpoint: BolaEndpoint, slug: string, cookie: string, call: Call) =>
  sendTo(await handlerFor(endpoint), endpoint, slug, cookie, call);

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

  // Every endpoint that names a record, found from its path and its call, not from the row: the id
  // of another organization's record in a request to one's own. The harness refuses a row whose
  // fixture gives no record for an id in its path.
  it("answers 404 for another organization's record named in a request to one's own, exactly as for a missing id (when it names one)", async () => {
    const world = await createWorld();
    const named = recordsNamed(endpoint, await endpoint.fixture(world, "OWNER"));
    if (named.length === 0) return; // A list, a create or leave: nothing of the world's is named.
    const result = await checkForeignRecord(
      await handlerFor(endpoint),
      endpoint,
      world,
      await createOutsider(),
    );
    expect(result.missing.status).toBe(404);
    expect(result.foreign).toEqual(result.missing);
    // …and the same words as the wrapper's "no such organization".
    expect(result.missing).toEqual(result.noOrg);
    expect(result.stateAfter).toEqual(result.stateBefore);
  });

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

  it("lists as not tenant-scoped only endpoints that load no membership and name no record", async () => {
    for (const entry of NOT_TENANT_SCOPED) {
      expect(endpointDeclaration(await handlerFor(entry))?.auth, entry.path).not.toBe("member");
      expect(objectIdSegments(entry.path), entry.path).toEqual([]);
    }
  });

  it("checks every endpoint with an object id in its path, wherever it is", async () => {
    const withObjectId = (await scanEndpoints())
      .filter((endpoint) => endpoint.kind === "route")
      .map((endpoint) => `${endpoint.exportName} ${path.posix.dirname(endpoint.file.replace(/^app/, ""))}`)
      .filter((endpoint) => objectIdSegments(endpoint.replace(/\[\.\.\.\w+\]/g, "")).length > 0);
    const covered = [
      ...BOLA_MATRIX.map((entry) => `${entry.method} ${entry.path}`),
      ...Object.keys(OWNED_OUTSIDE_ORGS),
    ];
    expect(withObjectId.length).toBeGreaterThan(5);
    expect(
      withObjectId.filter((endpoint) => !covered.includes(endpoint)),
      "add a BOLA matrix row, or an OWNED_OUTSIDE_ORGS entry naming the test that checks its owner",
    ).toEqual([]);
  });
});
