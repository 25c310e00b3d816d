// The BOLA matrix: every tenant-owned endpoint, with the permission it declares and how to build the
// record it acts on. bola.test.ts turns each row into tests (another organization's user gets 404,
// another organization's record named in a request to one's own gets 404, a role without the
// permission gets 403, each role with it succeeds), and fails when an endpoint under app/api/orgs is
// missing here. A new endpoint is covered by adding a row, not by remembering to write tests. Which
// records a request names is not the row's to say: the harness (bola-harness.ts) reads them from the
// path's object-id segments and the UUIDs of the call, and refuses a row whose fixture gives none
// for an id in its path.
import { randomBytes, randomUUID } from "node:crypto";
import { hashToken } from "@/lib/auth";
import type { OrgRole, Permission } from "@/lib/authz";
import { INVITATION_TTL_MS } from "@/lib/orgs";
import { testDb } from "../support/db";
import { addMember } from "../support/orgs";

/** The organization a case runs in: one member per role, each with a session cookie. */
export type World = {
  org: { id: string; slug: string };
  members: Record<OrgRole, { userId: string; membershipId: string; cookie: string }>;
};

/** One request: its path parameters (besides `org`) and JSON body. */
export type Call = { params?: Record<string, string>; body?: unknown };

export type Case = Call & {
  /** What the request would change, read from the database: refused calls must leave it as it was. */
  state?: () => Promise<unknown>;
};

export type BolaEndpoint = {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** The route file's path under app/, with its dynamic segments: /api/orgs/[org]/projects/[projectId]. */
  path: string;
  permission: Permission;
  /** The status of success. */
  success: 200 | 201 | 204;
  /** Builds the record for a call by a member with `role`, so that the conditions of its grant hold. */
  fixture: (world: World, role: OrgRole) => Promise<Case>;
  /**
   * Calls by a role that has the permission but fails its condition (not their project, an owner as
   * target…): refused with 403 by lib/orgs, which checks the condition on the stored record.
   */
  conditionDenials?: { role: OrgRole; why: string; fixture: (world: World) => Promise<Case> }[];
  /** Refused roles get 404, not 403: the endpoint doesn't admit the record exists. */
  existenceSecret?: boolean;
};

// Records, made straight in the database.
const project = (world: World, createdById: string | null = world.members.OWNER.userId) =>
  testDb().project.create({ data: { orgId: world.org.id, name: "Target", createdById } });
const projectState = (id: string) => () => testDb().project.findUnique({ where: { id } });
const membershipState = (id: string) => () => testDb().membership.findUnique({ where: { id } });
const invitation = (world: World, role: OrgRole = "MEMBER", sentAgoMs = 2 * 60_000) =>
  testDb().invitation.create({
    data: {
      orgId: world.org.id,
      email: `invitee-${randomUUID()}@example.com`,
      role,
      tokenHash: hashToken(randomBytes(32).toString("base64url")),
      invitedById: world.members.OWNER.userId,
      // Sent a while ago, so the per-invitation resend interval has passed.
      expiresAt: new Date(Date.now() + INVITATION_TTL_MS - sentAgoMs),
    },
  });
const invitationState = (id: string) => () => testDb().invitation.findUnique({ where: { id } });
const orgState = (world: World) => () => testDb().organization.findUnique({ where: { id: world.org.id } });
const countOf = (model: "project" | "invitation" | "membership", world: World) => () =>
  (testDb()[model] as unknown as { count: (args: unknown) => Promise<number> }).count({
    where: { orgId: world.org.id },
  });

export const BOLA_MATRIX: BolaEndpoint[] = [
  // The organization itself.
  {
    method: "GET",
    path: "/api/orgs/[org]",
    permission: "organization.read",
    success: 200,
    fixture: async () => ({}),
  },
  {
    method: "PATCH",
    path: "/api/orgs/[org]",
    permission: "organization.update",
    success: 200,
    fixture: async (world) => ({ body: { name: "Renamed by the test" }, state: orgState(world) }),
  },
  {
    method: "DELETE",
    path: "/api/orgs/[org]",
    permission: "organization.delete",
    success: 204,
    fixture: async (world) => ({ body: { confirmation: world.org.slug }, state: orgState(world) }),
  },

  // Members.
  {
    method: "GET",
    path: "/api/orgs/[org]/members",
    permission: "membership.read",
    success: 200,
    fixture: async () => ({}),
  },
  {
    method: "PATCH",
    path: "/api/orgs/[org]/members/[membershipId]",
    permission: "membership.changeRole",
    success: 200,
    fixture: async (world) => {
      const target = await addMember(world.org.id, "MEMBER");
      return {
        params: { membershipId: target.membershipId },
        body: { role: "ADMIN" },
        state: membershipState(target.membershipId),
      };
    },
    conditionDenials: [
      {
        role: "ADMIN",
        why: "an admin changing an owner",
        fixture: async (world) => ({
          params: { membershipId: world.members.OWNER.membershipId },
          body: { role: "MEMBER" },
          state: membershipState(world.members.OWNER.membershipId),
        }),
      },
      {
        role: "ADMIN",
        why: "an admin making someone an owner",
        fixture: async (world) => ({
          params: { membershipId: world.members.MEMBER.membershipId },
          body: { role: "OWNER" },
          state: membershipState(world.members.MEMBER.membershipId),
        }),
      },
    ],
  },
  {
    method: "DELETE",
    path: "/api/orgs/[org]/members/[membershipId]",
    permission: "membership.remove",
    success: 204,
    fixture: async (world) => {
      const target = await addMember(world.org.id, "MEMBER");
      return {
        params: { membershipId: target.membershipId },
        state: membershipState(target.membershipId),
      };
    },
    conditionDenials: [
      {
        role: "ADMIN",
        why: "an admin removing an owner",
        fixture: async (world) => ({
          params: { membershipId: world.members.OWNER.membershipId },
          state: membershipState(world.members.OWNER.membershipId),
        }),
      },
    ],
  },
  {
    method: "POST",
    path: "/api/orgs/[org]/members/leave",
    permission: "membership.leave",
    success: 204,
    fixture: async (world, role) => {
      // An owner may leave only when another owner stays.
      if (role === "OWNER") await addMember(world.org.id, "OWNER");
      return { state: countOf("membership", world) };
    },
  },
  {
    method: "POST",
    path: "/api/orgs/[org]/members/transfer",
    permission: "organization.transferOwnership",
    success: 200,
    fixture: async (world) => {
      const target = await addMember(world.org.id, "MEMBER");
      return {
        body: { membershipId: target.membershipId },
        state: membershipState(target.membershipId),
      };
    },
  },

  // Invitations.
  {
    method: "GET",
    path: "/api/orgs/[org]/invitations",
    permission: "invitation.read",
    success: 200,
    fixture: async () => ({}),
  },
  {
    method: "POST",
    path: "/api/orgs/[org]/invitations",
    permission: "invitation.create",
    success: 201,
    fixture: async (world) => ({
      body: { email: `new-${randomUUID()}@example.com`, role: "MEMBER" },
      state: countOf("invitation", world),
    }),
    conditionDenials: [
      {
        role: "ADMIN",
        why: "an admin inviting an owner",
        fixture: async (world) => ({
          body: { email: `boss-${randomUUID()}@example.com`, role: "OWNER" },
          state: countOf("invitation", world),
        }),
      },
    ],
  },
  {
    method: "DELETE",
    path: "/api/orgs/[org]/invitations/[invitationId]",
    permission: "invitation.revoke",
    success: 204,
    fixture: async (world) => {
      const target = await invitation(world);
      return {
        params: { invitationId: target.id },
        state: invitationState(target.id),
      };
    },
  },
  {
    method: "POST",
    path: "/api/orgs/[org]/invitations/[invitationId]/resend",
    permission: "invitation.resend",
    success: 200,
    fixture: async (world) => {
      const target = await invitation(world);
      return {
        params: { invitationId: target.id },
        state: invitationState(target.id),
      };
    },
    conditionDenials: [
      {
        role: "ADMIN",
        why: "an admin re-issuing an owner's invitation",
        fixture: async (world) => {
          const target = await invitation(world, "OWNER");
          return { params: { invitationId: target.id }, state: invitationState(target.id) };
        },
      },
    ],
  },

  // The audit log (lib/audit): the CSV export of the organization's events.
  {
    method: "GET",
    path: "/api/orgs/[org]/audit/export",
    permission: "auditLog.export",
    success: 200,
    fixture: async () => ({}),
  },

  // Projects: the per-object rule (a member updates only their own).
  {
    method: "GET",
    path: "/api/orgs/[org]/projects",
    permission: "project.read",
    success: 200,
    fixture: async () => ({}),
  },
  {
    method: "POST",
    path: "/api/orgs/[org]/projects",
    permission: "project.create",
    success: 201,
    fixture: async (world) => ({ body: { name: "New project" }, state: countOf("project", world) }),
  },
  {
    method: "GET",
    path: "/api/orgs/[org]/projects/[projectId]",
    permission: "project.read",
    success: 200,
    fixture: async (world) => {
      const target = await project(world);
      return { params: { projectId: target.id } };
    },
  },
  {
    method: "PATCH",
    path: "/api/orgs/[org]/projects/[projectId]",
    permission: "project.update",
    success: 200,
    fixture: async (world, role) => {
      // Created by the caller, so a member's `ownProject` condition holds.
      const target = await project(world, world.members[role].userId);
      return {
        params: { projectId: target.id },
        body: { name: "Changed" },
        state: projectState(target.id),
      };
    },
    conditionDenials: [
      {
        role: "MEMBER",
        why: "a member changing a project someone else created",
        fixture: async (world) => {
          const target = await project(world, world.members.ADMIN.userId);
          return {
            params: { projectId: target.id },
            body: { name: "Taken over" },
            state: projectState(target.id),
          };
        },
      },
    ],
  },
  {
    method: "DELETE",
    path: "/api/orgs/[org]/projects/[projectId]",
    permission: "project.delete",
    success: 204,
    fixture: async (world) => {
      const target = await project(world);
      return {
        params: { projectId: target.id },
        state: projectState(target.id),
      };
    },
  },
];

/**
 * Endpoints under app/api/orgs that act on no organization's records, and why they need no BOLA
 * rows. Each must still be declared here, so nothing under app/api/orgs goes unexamined.
 */
export const NOT_TENANT_SCOPED: { method: string; path: string; why: string }[] = [
  { method: "GET", path: "/api/orgs", why: "lists the caller's own memberships (by their user id)" },
  { method: "POST", path: "/api/orgs", why: "creates a new organization; nothing existing is named" },
];

/**
 * Endpoints outside app/api/orgs with an object id in their path, and the test that shows another
 * owner's record is "not found" there. Every such endpoint the route scan finds must be here or in
 * the matrix (bola.test.ts, "checks every endpoint with an object id in its path").
 */
export const OWNED_OUTSIDE_ORGS: Record<string, string> = {
  "GET /api/account/exports/[exportId]":
    "a user's own data export: tests/integration/privacy-export.test.ts (another user's export looks like one that does not exist)",
  "POST /api/admin/orgs/[org]/refunds":
    "platform admins act on any organization by design (auth: platformAdmin, tests/integration/http-route.test.ts); a charge of another organization's customer: tests/integration/billing-stripe-api.test.ts (answered like one that doesn't exist)",
};
