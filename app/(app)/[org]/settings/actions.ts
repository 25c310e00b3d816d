"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { cancelSubscriptionFirst, requireEntitlement } from "@/lib/billing";
import { action } from "@/lib/http";
import {
  deleteOrganization,
  deleteOrganizationInput,
  organizationName,
  updateOrganization,
} from "@/lib/orgs";

// The forms of the settings page (owners and admins; deleting is for owners, after step-up). Fields
// are validated with lib/orgs' own schemas, so a value it would refuse is a form error here.
const org = z.object({ org: z.string() });

export const renameOrganizationAction = action(
  {
    auth: "member",
    permission: "organization.update",
    rateLimit: "api-user",
    input: org.extend({ name: organizationName }),
  },
  async (ctx) => {
    const organization = await updateOrganization(ctx.scope, { name: ctx.input.name });
    revalidatePath(`/${ctx.org.slug}`, "layout");
    return { message: `Renamed to “${organization.name}”.` };
  },
);

export const requireMfaAction = action(
  {
    auth: "member",
    permission: "organization.update",
    rateLimit: "api-user",
    input: org.extend({ requireMfa: z.stringbool() }),
  },
  async (ctx) => {
    // Turning it on takes the plan's feature; turning it off is always allowed (a downgrade must
    // not trap an organization in a setting it no longer pays for).
    if (ctx.input.requireMfa) await requireEntitlement(ctx.scope.orgId, "require_mfa");
    const { requireMfa } = await updateOrganization(ctx.scope, { requireMfa: ctx.input.requireMfa });
    revalidatePath(`/${ctx.org.slug}/settings`);
    return {
      message: requireMfa
        ? "Every member now needs two-factor authentication."
        : "Two-factor authentication is now up to each member.",
    };
  },
);

export const deleteOrganizationAction = action(
  {
    auth: "member",
    permission: "organization.delete",
    rateLimit: "api-user",
    stepUp: true,
    input: deleteOrganizationInput.extend(org.shape),
  },
  async (ctx) => {
    await deleteOrganization(
      ctx.scope,
      { confirmation: ctx.input.confirmation },
      {
        beforeDelete: cancelSubscriptionFirst({ userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent }),
      },
    );
    redirect("/account");
  },
);
