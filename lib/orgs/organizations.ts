import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { can, type OrgRole } from "@/lib/authz";
import { getDb } from "@/lib/db";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from "./errors";
import { type Actor, auditBase, isUniqueViolation, lockOrganization, type OrgScope } from "./scope";
import { slugFromName, slugProblem } from "./slug";
import { inTransaction, refuse } from "./transaction";

export const organizationName = z
  .string()
  .trim()
  .min(1, { error: "Enter a name." })
  .max(80, { error: "Use at most 80 characters." });

/** What creating an organization takes. An empty slug means "make one from the name". */
export const createOrganizationInput = z.object({
  name: organizationName,
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(100)
    .optional()
    .transform((slug) => slug || undefined),
});
export type CreateOrganizationInput = z.input<typeof createOrganizationInput>;

export const renameOrganizationInput = z.object({ name: organizationName });
export const organizationSettingsInput = z.object({ requireMfa: z.boolean() });
export const deleteOrganizationInput = z.object({
  confirmation: z.string().trim().max(100),
});

export type OrganizationView = {
  id: string;
  slug: string;
  name: string;
  requireMfa: boolean;
  createdAt: Date;
};

/** One organization in the switcher: where it is and what the user is there. */
export type MyOrganization = { id: string; slug: string; name: string; role: OrgRole };

const organizationSelect = { id: true, slug: true, name: true, requireMfa: true, createdAt: true } as const;

/** How many derived slugs to try ("acme", then "acme-3f9a"…) before giving up. */
const DERIVED_SLUG_ATTEMPTS = 5;

/**
 * Creates an organization with the creator as its OWNER, and records `org.created`, in one
 * transaction. A given slug must pass slugProblem() and be free (409 `slug_taken` otherwise); without
 * one, the slug comes from the name, with a short random suffix when that is taken.
 */
export async function createOrganization(
  actor: Actor,
  input: CreateOrganizationInput,
): Promise<OrganizationView> {
  const { name, slug: requested } = createOrganizationInput.parse(input);
  if (requested !== undefined) {
    const problem = slugProblem(requested);
    if (problem) throw new InvalidInputError("This URL name can't be used.", { slug: [problem] });
  }
  const base = requested ?? slugFromName(name);
  for (let attempt = 0; attempt < DERIVED_SLUG_ATTEMPTS; attempt++) {
    const slug = attempt === 0 ? base : `${base}-${randomBytes(2).toString("hex")}`;
    try {
      return await inTransaction({ ...actor, orgId: null }, null, async (tx) => {
        const organization = await tx.organization.create({
          data: { name, slug, memberships: { create: { userId: actor.userId, role: "OWNER" } } },
          select: organizationSelect,
        });
        await recordAuditEvent(
          {
            ...auditBase(actor, organization.id),
            action: "org.created",
            target: { type: "organization", id: organization.id },
            metadata: { slug, name },
          },
          tx,
        );
        return organization;
      });
    } catch (error) {
      if (!isUniqueViolation(error, "slug")) throw error;
      if (requested !== undefined) {
        throw new ConflictError("slug_taken", "This URL name is taken.", {
          slug: [`"${slug}" is taken. Choose another.`],
        });
      }
    }
  }
  throw new ConflictError("slug_taken", "No free URL name was found for this name.", {
    slug: ["Choose a URL name yourself."],
  });
}

/** The organizations a user belongs to, by name, for the switcher and the account page. */
export async function listMyOrganizations(userId: string): Promise<MyOrganization[]> {
  const memberships = await getDb().membership.findMany({
    where: { userId },
    select: { role: true, organization: { select: { id: true, slug: true, name: true } } },
    orderBy: { organization: { name: "asc" } },
  });
  return memberships.map(({ role, organization }) => ({ ...organization, role }));
}

/** The caller's organization. */
export async function getOrganization(scope: OrgScope): Promise<OrganizationView> {
  const organization = await getDb().organization.findUnique({
    where: { id: scope.orgId },
    select: organizationSelect,
  });
  if (!organization) throw new NotFoundError();
  return organization;
}

/** Renames the organization (its slug, and so its URLs, stay). Records `org.renamed`. */
export async function renameOrganization(scope: OrgScope, name: string): Promise<OrganizationView> {
  const newName = organizationName.parse(name);
  const target = { type: "organization", id: scope.orgId };
  return inTransaction(scope, target, async (tx) => {
    const role = await lockOrganization(tx, scope);
    if (!can(role, "organization.update")) {
      throw new ForbiddenError("organization.update", "Only owners and admins can rename the organization.");
    }
    const before = await tx.organization.findUniqueOrThrow({
      where: { id: scope.orgId },
      select: { name: true },
    });
    const organization = await tx.organization.update({
      where: { id: scope.orgId },
      data: { name: newName },
      select: organizationSelect,
    });
    if (before.name !== newName) {
      await recordAuditEvent(
        {
          ...auditBase(scope, scope.orgId),
          action: "org.renamed",
          target,
          metadata: { from: before.name, to: newName },
        },
        tx,
      );
    }
    return organization;
  });
}

/**
 * Changes the organization's settings (today: whether every member needs MFA). Records
 * `org.settings_changed`. Requiring MFA is refused while the caller has none, so nobody locks
 * themselves out of their own organization.
 */
export async function updateOrganizationSettings(
  scope: OrgScope,
  settings: z.input<typeof organizationSettingsInput>,
): Promise<OrganizationView> {
  const { requireMfa } = organizationSettingsInput.parse(settings);
  const target = { type: "organization", id: scope.orgId };
  return inTransaction(scope, target, async (tx) => {
    const role = await lockOrganization(tx, scope);
    if (!can(role, "organization.update")) {
      throw new ForbiddenError("organization.update", "Only owners and admins can change the settings.");
    }
    const before = await tx.organization.findUniqueOrThrow({
      where: { id: scope.orgId },
      select: { requireMfa: true },
    });
    if (requireMfa && !before.requireMfa) {
      const actor = await tx.user.findUniqueOrThrow({
        where: { id: scope.userId },
        select: { mfaEnabledAt: true },
      });
      if (!actor.mfaEnabledAt) {
        throw new ConflictError(
          "mfa_not_enrolled",
          "Turn on two-factor authentication for your own account before requiring it for everyone.",
        );
      }
    }
    const organization = await tx.organization.update({
      where: { id: scope.orgId },
      data: { requireMfa },
      select: organizationSelect,
    });
    if (before.requireMfa !== requireMfa) {
      await recordAuditEvent(
        {
          ...auditBase(scope, scope.orgId),
          action: "org.settings_changed",
          target,
          metadata: { requireMfa: { from: before.requireMfa, to: requireMfa } },
        },
        tx,
      );
    }
    return organization;
  });
}

export type DeleteOrganizationOptions = {
  /**
   * Runs after the checks and before anything is deleted; when it throws, nothing is deleted. This
   * is where billing cancels the organization's Stripe subscription (the route passes lib/billing's
   * function), so a deleted organization is never charged again.
   */
  beforeDelete?: (organization: { id: string; slug: string }) => Promise<void>;
};

/**
 * Deletes the organization with its memberships, invitations, projects and billing account (the
 * foreign keys cascade); its audit events stay. Owner only; the caller must type the slug as
 * `confirmation`. The route asks for a recent re-authentication (step-up). Records `org.deleted`.
 */
export async function deleteOrganization(
  scope: OrgScope,
  input: z.input<typeof deleteOrganizationInput>,
  options: DeleteOrganizationOptions = {},
): Promise<{ slug: string }> {
  const { confirmation } = deleteOrganizationInput.parse(input);
  const target = { type: "organization", id: scope.orgId };
  const organization = await getOrganization(scope);
  // Checked before beforeDelete (which may call Stripe), and again under the lock below.
  if (!can(scope.role, "organization.delete")) {
    await refuse(
      scope,
      target,
      new ForbiddenError("organization.delete", "Only owners can delete the organization."),
    );
  }
  if (confirmation !== organization.slug) {
    throw new InvalidInputError("The confirmation does not match.", {
      confirmation: [`Type the organization's URL name, ${organization.slug}, to confirm.`],
    });
  }
  await options.beforeDelete?.({ id: organization.id, slug: organization.slug });
  return inTransaction(scope, target, async (tx) => {
    const role = await lockOrganization(tx, scope);
    if (!can(role, "organization.delete")) {
      throw new ForbiddenError("organization.delete", "Only owners can delete the organization.");
    }
    await tx.organization.delete({ where: { id: scope.orgId } });
    await recordAuditEvent(
      {
        ...auditBase(scope, scope.orgId),
        action: "org.deleted",
        target,
        metadata: { slug: organization.slug, name: organization.name },
      },
      tx,
    );
    return { slug: organization.slug };
  });
}
