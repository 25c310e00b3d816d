import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { can, PERMISSIONS, permissionsFor, ROLES, roleWithArticle } from "@/lib/authz";
import { renderPermissionsMarkdown } from "@/lib/authz/docs";

describe("the policy table", () => {
  it("names every role with the article it takes in a sentence (an owner, an admin, a member)", () => {
    const phrases = Object.fromEntries(ROLES.map((role) => [role, roleWithArticle(role)]));
    expect(phrases).toEqual({ OWNER: "an owner", ADMIN: "an admin", MEMBER: "a member" });
    for (const role of ROLES) {
      const [article, word] = roleWithArticle(role).split(" ");
      expect(article).toBe(/^[aeiou]/.test(word ?? "") ? "an" : "a");
    }
  });

  it("lets members read but not write, admins manage, and only owners delete or transfer the organization", () => {
    expect(can("MEMBER", "project.read")).toBe(true);
    expect(can("MEMBER", "project.create")).toBe(false);
    expect(can("MEMBER", "project.delete")).toBe(false);
    expect(can("ADMIN", "project.delete")).toBe(true);
    expect(can("ADMIN", "organization.delete")).toBe(false);
    expect(can("ADMIN", "organization.transferOwnership")).toBe(false);
    expect(can("OWNER", "organization.delete")).toBe(true);
    expect(can("MEMBER", "billing.read")).toBe(false);
    expect(can("MEMBER", "auditLog.read")).toBe(false);
  });

  it("lets a member update only the projects they created", () => {
    expect(can("MEMBER", "project.update", { actorUserId: "u1", resourceCreatedById: "u1" })).toBe(true);
    expect(can("MEMBER", "project.update", { actorUserId: "u1", resourceCreatedById: "u2" })).toBe(false);
    expect(can("MEMBER", "project.update", { actorUserId: "u1", resourceCreatedById: null })).toBe(false);
    expect(can("MEMBER", "project.update")).toBe(false);
  });

  it("stops admins from changing or removing owners, and anyone from granting above their own role", () => {
    expect(can("ADMIN", "membership.changeRole", { targetRole: "MEMBER", grantedRole: "ADMIN" })).toBe(true);
    expect(can("ADMIN", "membership.changeRole", { targetRole: "MEMBER", grantedRole: "OWNER" })).toBe(false);
    expect(can("ADMIN", "membership.changeRole", { targetRole: "OWNER", grantedRole: "MEMBER" })).toBe(false);
    expect(can("ADMIN", "membership.remove", { targetRole: "OWNER" })).toBe(false);
    expect(can("ADMIN", "membership.remove", { targetRole: "ADMIN" })).toBe(true);
    expect(can("ADMIN", "invitation.create", { grantedRole: "OWNER" })).toBe(false);
    expect(can("ADMIN", "invitation.create", { grantedRole: "ADMIN" })).toBe(true);
    expect(can("MEMBER", "invitation.create", { grantedRole: "MEMBER" })).toBe(false);
    expect(can("OWNER", "invitation.create", { grantedRole: "OWNER" })).toBe(true);
  });

  it("never leaves an organization without an owner", () => {
    expect(can("OWNER", "membership.leave", { targetRole: "OWNER", ownerCount: 1 })).toBe(false);
    expect(can("OWNER", "membership.leave", { targetRole: "OWNER", ownerCount: 2 })).toBe(true);
    expect(
      can("OWNER", "membership.changeRole", { targetRole: "OWNER", grantedRole: "ADMIN", ownerCount: 1 }),
    ).toBe(false);
    expect(
      can("OWNER", "membership.changeRole", { targetRole: "OWNER", grantedRole: "ADMIN", ownerCount: 2 }),
    ).toBe(true);
    expect(can("OWNER", "membership.remove", { targetRole: "OWNER" })).toBe(false);
    expect(
      can("OWNER", "membership.changeRole", { targetRole: "MEMBER", grantedRole: "OWNER", ownerCount: 1 }),
    ).toBe(true);
  });

  it("gives every permission to at least one role, and owners at least what admins have", () => {
    for (const permission of PERMISSIONS) {
      expect(
        ROLES.some((role) => permissionsFor(role).includes(permission)),
        permission,
      ).toBe(true);
    }
    expect(permissionsFor("OWNER")).toEqual(expect.arrayContaining(permissionsFor("ADMIN")));
    expect(permissionsFor("ADMIN")).toEqual(expect.arrayContaining(permissionsFor("MEMBER")));
  });
});

describe("docs/PERMISSIONS.md", () => {
  it("matches the policy table (run `npm run authz:docs` after changing lib/authz/policy.ts)", () => {
    const committed = readFileSync(new URL("../../docs/PERMISSIONS.md", import.meta.url), "utf8");
    expect(committed).toBe(renderPermissionsMarkdown());
  });
});
