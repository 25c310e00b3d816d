// The BOLA check doesn't depend on what a matrix row's author filled in. The classic mistake, a
// tenant record looked up by its id alone (`findUnique({ where: { id } })`, no orgId), planted in
// handlers the way an extension would write them, with matrix rows that say nothing about the
// records they name: the harness finds the record (in the path or the body), builds the "missing"
// request itself, and the foreign answer differs from it, which is what bola.test.ts asserts for
// every row. A row that can't give a record for an id in its path is refused. The app's own
// org-scoped handler passes the same check.

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GET as scopedGetProject } from "@/app/api/orgs/[org]/projects/[projectId]/route";
import { route } from "@/lib/http";
import { NotFoundError } from "@/lib/orgs";
import { fakeStripeForThisFile } from "../support/billing";
import { testDb } from "../support/db";
import { checkForeignRecord, createOutsider, createWorld, type Handler, recordsNamed } from "./bola-harness";
import type { BolaEndpoint, World } from "./bola-matrix";

const fakeStripe = fakeStripeForThisFile();

/** The planted mistake: a tenant-owned row looked up by its id alone. */
async function unscopedProject(id: string) {
  const project = await testDb().project.findUnique({ where: { id } });
  if (!project) throw new NotFoundError();
  return { project: { id: project.id, name: project.name } };
}

const leakyByPath = route(
  {
    auth: "member",
    permission: "project.read",
    rateLimit: "api-user",
    input: { params: z.object({ org: z.string(), widgetId: z.uuid() }) },
  },
  async (ctx) => unscopedProject(ctx.input.params.widgetId),
) as unknown as Handler;

const leakyByBody = route(
  {
    auth: "member",
    permission: "project.read",
    rateLimit: "api-user",
    input: { params: z.object({ org: z.string() }), body: z.object({ projectId: z.uuid() }) },
  },
  async (ctx) => unscopedProject(ctx.input.body.projectId),
) as unknown as Handler;

const aProject = (world: World) =>
  testDb().project.create({ data: { orgId: world.org.id, name: "Somebody else's", createdById: null } });

// Rows as a hurried author writes them: a fixture, and nothing about which records they name.
const byPathRow: BolaEndpoint = {
  method: "GET",
  path: "/api/orgs/[org]/widgets/[widgetId]",
  permission: "project.read",
  success: 200,
  fixture: async (world) => ({ params: { widgetId: (await aProject(world)).id } }),
};
const byBodyRow: BolaEndpoint = {
  method: "POST",
  path: "/api/orgs/[org]/widgets/lookup",
  permission: "project.read",
  success: 200,
  fixture: async (world) => ({ body: { projectId: (await aProject(world)).id } }),
};

describe("the BOLA harness catches an unscoped lookup whatever the row says", { timeout: 60_000 }, () => {
  it.each([
    ["in the path", leakyByPath, byPathRow],
    ["in the body", leakyByBody, byBodyRow],
  ])("finds the record named %s and sees another organization's record served", async (_, handler, row) => {
    const world = await createWorld(fakeStripe.url);
    expect(recordsNamed(row, await row.fixture(world, "OWNER"))).not.toEqual([]);
    const result = await checkForeignRecord(handler, row, world, await createOutsider());
    expect(result.missing.status).toBe(404);
    // The leak: the outsider reads the world's project through their own organization.
    expect(result.foreign.status).toBe(200);
    expect(result.foreign).not.toEqual(result.missing);
  });

  it("passes the app's org-scoped handler on the same kind of row", async () => {
    const row: BolaEndpoint = { ...byPathRow, path: "/api/orgs/[org]/projects/[projectId]" };
    row.fixture = async (world) => ({ params: { projectId: (await aProject(world)).id } });
    const world = await createWorld(fakeStripe.url);
    const result = await checkForeignRecord(
      scopedGetProject as unknown as Handler,
      row,
      world,
      await createOutsider(),
    );
    expect(result.missing.status).toBe(404);
    expect(result.foreign).toEqual(result.missing);
  });

  it("refuses to run a row whose fixture gives no record for an id in its path", async () => {
    const row: BolaEndpoint = { ...byPathRow, fixture: async () => ({}) };
    const world = await createWorld(fakeStripe.url);
    await expect(checkForeignRecord(leakyByPath, row, world, await createOutsider())).rejects.toThrow(
      /gives no record id for \[widgetId\]/,
    );
  });
});
