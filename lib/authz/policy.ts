// The authorization policy, as data: who may do what to which resource in an organization.
// Every route declares one of these permissions; can() answers it; docs/PERMISSIONS.md is generated
// from this table (`npm run authz:docs`), and the UI reads the same table to hide what a user can't do.
// The server never trusts the UI: every route checks again.

/** Organization roles, highest first. Mirrors the Prisma enum `Role`. */
export const ROLES = ["OWNER", "ADMIN", "MEMBER"] as const;
export type OrgRole = (typeof ROLES)[number];

/** Higher number, more power. "Nobody can grant a role above their own" compares these. */
export const ROLE_RANK: Record<OrgRole, number> = { OWNER: 3, ADMIN: 2, MEMBER: 1 };

const ROLE_WITH_ARTICLE: Record<OrgRole, string> = {
  OWNER: "an owner",
  ADMIN: "an admin",
  MEMBER: "a member",
};

/** The role as it reads in a sentence ("You are an owner of…", "invited as a member"). */
export function roleWithArticle(role: OrgRole): string {
  return ROLE_WITH_ARTICLE[role];
}

/**
 * Conditions some grants depend on. The caller passes the facts (`PolicyContext`); each condition is
 * a pure function of them, so the rule is visible here rather than buried in a handler.
 */
export const CONDITIONS = {
  always: {
    description: "allowed",
    holds: () => true,
  },
  ownProject: {
    description: "only a project they created",
    holds: (ctx: PolicyContext) =>
      ctx.actorUserId !== undefined && ctx.actorUserId === ctx.resourceCreatedById,
  },
  targetBelowOwner: {
    description: "not on an owner, and granting no role above their own",
    holds: (ctx: PolicyContext, actor: OrgRole) =>
      ctx.targetRole !== "OWNER" &&
      (ctx.grantedRole === undefined || ROLE_RANK[ctx.grantedRole] <= ROLE_RANK[actor]),
  },
  notLastOwner: {
    description: "unless it would leave the organization without an owner",
    holds: (ctx: PolicyContext) =>
      ctx.targetRole !== "OWNER" || ctx.grantedRole === "OWNER" || (ctx.ownerCount ?? 0) > 1,
  },
} as const satisfies Record<
  string,
  { description: string; holds: (ctx: PolicyContext, actor: OrgRole) => boolean }
>;

export type ConditionName = keyof typeof CONDITIONS;

/** Facts about the request that conditional grants need. Unknown facts count as "no". */
export type PolicyContext = {
  actorUserId?: string;
  /** Who created the resource (projects). */
  resourceCreatedById?: string | null;
  /** The current role of the member being changed or removed. */
  targetRole?: OrgRole;
  /** The role being granted (role change, invitation). */
  grantedRole?: OrgRole;
  /** How many owners the organization has now. */
  ownerCount?: number;
};

/** A grant: a list of conditions that must all hold. Missing role = denied. */
type Grant = readonly ConditionName[];
type RoleGrants = Partial<Record<OrgRole, Grant>>;

const all = { OWNER: ["always"], ADMIN: ["always"], MEMBER: ["always"] } as const satisfies RoleGrants;
const managers = { OWNER: ["always"], ADMIN: ["always"] } as const satisfies RoleGrants;
const ownerOnly = { OWNER: ["always"] } as const satisfies RoleGrants;

/** resource → action → role → conditions. */
export const POLICY = {
  organization: {
    read: all,
    update: managers,
    delete: ownerOnly,
    transferOwnership: ownerOnly,
  },
  membership: {
    read: all,
    changeRole: { OWNER: ["notLastOwner"], ADMIN: ["targetBelowOwner"] },
    remove: { OWNER: ["notLastOwner"], ADMIN: ["targetBelowOwner"] },
    leave: { OWNER: ["notLastOwner"], ADMIN: ["always"], MEMBER: ["always"] },
  },
  invitation: {
    read: managers,
    create: { OWNER: ["always"], ADMIN: ["targetBelowOwner"] },
    revoke: managers,
    resend: managers,
  },
  project: {
    read: all,
    create: managers,
    update: { OWNER: ["always"], ADMIN: ["always"], MEMBER: ["ownProject"] },
    delete: managers,
  },
  billing: {
    read: managers,
    manage: managers,
  },
  auditLog: {
    read: managers,
    export: managers,
  },
} as const satisfies Record<string, Record<string, RoleGrants>>;

export type Resource = keyof typeof POLICY;
export type Permission = {
  [R in Resource]: `${R}.${Extract<keyof (typeof POLICY)[R], string>}`;
}[Resource];

/** Every permission in the table, in table order. */
export const PERMISSIONS = Object.entries(POLICY).flatMap(([resource, actions]) =>
  Object.keys(actions).map((action) => `${resource}.${action}` as Permission),
);

export function grantsFor(permission: Permission): RoleGrants {
  const [resource, action] = permission.split(".") as [Resource, string];
  return (POLICY[resource] as Record<string, RoleGrants>)[action] ?? {};
}

/**
 * May a member with `role` do `permission`, given the facts in `context`? Unknown permissions and
 * roles are denied.
 */
export function can(role: OrgRole, permission: Permission, context: PolicyContext = {}): boolean {
  const grant = grantsFor(permission)[role];
  if (!grant) return false;
  return grant.every((condition) => CONDITIONS[condition].holds(context, role));
}

/**
 * What a role may do at all (ignoring conditions), for the UI to hide actions. A conditional grant
 * counts as "may", and the server checks the condition when the action is taken.
 */
export function permissionsFor(role: OrgRole): Permission[] {
  return PERMISSIONS.filter((permission) => grantsFor(permission)[role] !== undefined);
}
