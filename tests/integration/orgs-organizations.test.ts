import { describe, expect, it } from "vitest";
import { verifyAuditChains } from "@/lib/audit";
import {
  createOrganization,
  deleteOrganization,
  getOrganization,
  listMyOrganizations,
  updateOrganization,
} from "@/lib/orgs";
import { testDb } from "../support/db";
import { createTestOrg, rejectionOf, uniqueSlug } from "../support/orgs";
import { createTestUser } from "../support/users";

const actions = async (orgId: string) =>
  (await testDb().auditEvent.findMany({ where: { orgId }, orderBy: { seq: "asc" } })).map(
    (event) => event.action,
  );

describe("creating an organization", () => {
  it("makes the creator its owner and records org.created", async () => {
    const user = await createTestUser({ passwordHash: null });
    const slug = uniqueSlug("made");
    const org = await createOrganization({ userId: user.id, ip: "203.0.113.1" }, { name: "Made Here", slug });
    expect(org).toMatchObject({ slug, name: "Made Here", requireMfa: false });
    const membership = await testDb().membership.findUniqueOrThrow({
      where: { userId_orgId: { userId: user.id, orgId: org.id } },
    });
    expect(membership.role).toBe("OWNER");
    expect(await actions(org.id)).toEqual(["org.created"]);
    expect(await listMyOrganizations(user.id)).toEqual([
      { id: org.id, slug, name: "Made Here", role: "OWNER" },
    ]);
  });

  it("derives the slug from the name, and adds a suffix when it is taken", async () => {
    const user = await createTestUser({ passwordHash: null });
    const name = `Café Zürich ${uniqueSlug("x")}`;
    const first = await createOrganization({ userId: user.id }, { name });
    expect(first.slug).toMatch(/^cafe-zurich-x-[0-9a-f]{10}$/);
    const second = await createOrganization({ userId: user.id }, { name });
    expect(second.slug).toMatch(new RegExp(`^${first.slug}-[0-9a-f]{4}$`));
  });

  it("refuses a reserved, malformed or taken slug with a field error", async () => {
    const user = await createTestUser({ passwordHash: null });
    const actor = { userId: user.id };
    for (const slug of ["admin", "sign-in", "api", "invitations", "_next"]) {
      const error = await rejectionOf(createOrganization(actor, { name: "X", slug }));
      expect(error).toMatchObject({ status: 400, code: "invalid_input" });
      expect((error as unknown as { fields: Record<string, string[]> }).fields.slug?.[0]).toBeTruthy();
    }
    for (const slug of ["ab", "-acme", "acme--corp", "a".repeat(49)]) {
      expect(await rejectionOf(createOrganization(actor, { name: "X", slug }))).toMatchObject({
        status: 400,
      });
    }
    const taken = await createTestOrg(["OWNER"]);
    expect(await rejectionOf(createOrganization(actor, { name: "X", slug: taken.org.slug }))).toMatchObject({
      status: 409,
      code: "slug_taken",
    });
    expect(await listMyOrganizations(user.id)).toEqual([]);
  });
});

describe("renaming and settings", () => {
  it("lets owners and admins rename, records org.renamed, and refuses members with authz.denied", async () => {
    const { org, admin, member } = await createTestOrg();
    const renamed = await updateOrganization(admin().scope, { name: "  New Name  " });
    expect(renamed.name).toBe("New Name");
    expect(await rejectionOf(updateOrganization(member().scope, { name: "Nope" }))).toMatchObject({
      status: 403,
      code: "forbidden",
    });
    expect((await getOrganization(admin().scope)).name).toBe("New Name");
    expect(await actions(org.id)).toEqual(["org.renamed", "authz.denied"]);
  });

  it("requires MFA for everyone only when the one asking has MFA", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    // Both changes in one request: neither happens when one is refused.
    expect(
      await rejectionOf(updateOrganization(owner().scope, { name: "Renamed", requireMfa: true })),
    ).toMatchObject({ status: 409, code: "mfa_not_enrolled" });
    expect((await getOrganization(owner().scope)).name).toBe("Test Org");
    await testDb().user.update({ where: { id: owner().userId }, data: { mfaEnabledAt: new Date() } });
    expect((await updateOrganization(owner().scope, { requireMfa: true })).requireMfa).toBe(true);
    const events = await testDb().auditEvent.findMany({ where: { orgId: org.id } });
    expect(events.map((event) => [event.action, event.metadata])).toEqual([
      ["org.settings_changed", { requireMfa: { from: false, to: true } }],
    ]);
  });
});

describe("deleting an organization", () => {
  it("is for owners only, with the slug typed as confirmation", async () => {
    const { org, owner, admin } = await createTestOrg(["OWNER", "ADMIN"]);
    expect(await rejectionOf(deleteOrganization(admin().scope, { confirmation: org.slug }))).toMatchObject({
      status: 403,
    });
    const wrong = await rejectionOf(deleteOrganization(owner().scope, { confirmation: "acme" }));
    expect(wrong).toMatchObject({ status: 400, code: "invalid_input" });
    expect(await testDb().organization.count({ where: { id: org.id } })).toBe(1);
  });

  it("deletes nothing when the step before it (billing) fails", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    const error = await rejectionOf(
      deleteOrganization(
        owner().scope,
        { confirmation: org.slug },
        {
          beforeDelete: async () => {
            throw new Error("Stripe is down");
          },
        },
      ),
    );
    expect(error.message).toBe("Stripe is down");
    expect(await testDb().organization.count({ where: { id: org.id } })).toBe(1);
  });

  it("removes the organization and what hangs off it, keeps the audit trail, and records org.deleted", async () => {
    const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
    await testDb().project.create({ data: { orgId: org.id, name: "Doomed", createdById: member().userId } });
    const called: string[] = [];
    const result = await deleteOrganization(
      owner().scope,
      { confirmation: org.slug },
      { beforeDelete: async ({ slug }) => void called.push(slug) },
    );
    expect(result).toEqual({ slug: org.slug });
    expect(called).toEqual([org.slug]);
    expect(await testDb().organization.count({ where: { id: org.id } })).toBe(0);
    expect(await testDb().membership.count({ where: { orgId: org.id } })).toBe(0);
    expect(await testDb().project.count({ where: { orgId: org.id } })).toBe(0);
    expect(await actions(org.id)).toEqual(["org.deleted"]);
    expect(await verifyAuditChains({ chain: `org:${org.id}`, db: testDb() })).toMatchObject({ ok: true });
  });
});
