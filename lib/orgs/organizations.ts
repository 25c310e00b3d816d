import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit";
import { can, type OrgRole } from "@/lib/authz";
import { getDb } from "@/lib/db";
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, parseCallerInput } from "./errors";
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

/** A new name, the settings, or both. */
export const updateOrganizationInput = z
  .object({ name: organizationName.optional(), requireMfa: z.boolean().optional() })
  .refine((changes) => changes.name !== undefined || changes.requireMfa !== undefined, {
    error: "Send a new name, requireMfa, or both.",
  });
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
  const { name, slug: requested } = parseCallerInput(createOrganizationInput, input);
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

/**
 * Renames the organization (its slug, and so its URLs, stay) and/or changes its settings (today:
 * whether every member needs MFA), in one transaction; records `org.renamed` and
 * `org.settings_changed` for what actually changed. Requiring MFA is refused while the caller has
 * none, so nobody locks themselves out of their own organization.
 */
export async function updateOrganization(
  scope: OrgScope,
  changes: z.input<typeof updateOrganizationInput>,
): Promise<OrganizationView> {
  const { name, requireMfa } = parseCallerInput(updateOrganizationInput, changes);
  const target = { type: "organization", id: scope.orgId };
  return inTransaction(scope, target, async (tx) => {
    const role = await lockOrganization(tx, scope);
    if (!can(role, "organization.update")) {
      throw new ForbiddenError("organization.update", "Only owners and admins can change the organization.");
    }
    const before = await tx.organization.findUniqueOrThrow({
      where: { id: scope.orgId },
      select: { name: true, requireMfa: true },
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
      data: { name, requireMfa },
      select: organizationSelect,
    });
    const base = { ...auditBase(scope, scope.orgId), target };
    if (name !== undefined && name !== before.name) {
      await recordAuditEvent(
        { ...base, action: "org.renamed", metadata: { from: before.name, to: name } },
        tx,
      );
    }
    if (requireMfa !== undefined && requireMfa !== before.requireMfa) {
      await recordAuditEvent(
        {
          ...base,
          action: "org.settings_changed",
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
  const { confirmation } = parseCallerInput(deleteOrganizationInput, input);
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
