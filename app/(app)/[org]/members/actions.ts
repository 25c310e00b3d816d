"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { displayName } from "@/lib/auth";
import { limit } from "@/lib/billing";
import { action } from "@/lib/http";
import {
  changeMemberRole,
  changeRoleInput,
  createInvitation,
  createInvitationInput,
  leaveOrganization,
  OWNER_STEP_UP,
  removeMember,
  resendInvitation,
  revokeInvitation,
  transferOwnership,
  transferOwnershipInput,
} from "@/lib/orgs";

// The forms of the members page. The server checks every rule again in lib/orgs, whatever the page
// showed: admins can't touch owners, nobody grants above their own role, the last owner stays. The
// fields are validated with lib/orgs' own schemas, so a value it would refuse is a form error here.
const org = z.object({ org: z.string() });
const member = org.extend({ membershipId: z.uuid() });
const invitation = org.extend({ invitationId: z.uuid() });

const refresh = (slug: string) => revalidatePath(`/${slug}/members`);

export const changeRoleAction = action(
  {
    auth: "member",
    permission: "membership.changeRole",
    rateLimit: "api-user",
    stepUp: OWNER_STEP_UP.changeRole,
    input: member.extend(changeRoleInput.shape),
  },
  async (ctx) => {
    const updated = await changeMemberRole(ctx.scope, ctx.input.membershipId, ctx.input.role);
    refresh(ctx.org.slug);
    return { message: `${displayName(updated.user)} is now ${updated.role.toLowerCase()}.` };
  },
);

export const removeMemberAction = action(
  {
    auth: "member",
    permission: "membership.remove",
    rateLimit: "api-user",
    stepUp: OWNER_STEP_UP.removeMember,
    input: member,
  },
  async (ctx) => {
    await removeMember(ctx.scope, ctx.input.membershipId);
    refresh(ctx.org.slug);
    return { message: "Removed." };
  },
);

export const leaveOrganizationAction = action(
  { auth: "member", permission: "membership.leave", rateLimit: "api-user", input: org },
  async (ctx) => {
    await leaveOrganization(ctx.scope);
    redirect("/account");
  },
);

export const transferOwnershipAction = action(
  {
    auth: "member",
    permission: "organization.transferOwnership",
    rateLimit: "api-user",
    stepUp: true,
    input: org.extend(transferOwnershipInput.shape),
  },
  async (ctx) => {
    const owner = await transferOwnership(ctx.scope, ctx.input.membershipId);
    refresh(ctx.org.slug);
    return { message: `${displayName(owner.user)} is now an owner, and you are an admin.` };
  },
);

export const inviteAction = action(
  {
    auth: "member",
    permission: "invitation.create",
    rateLimit: "invitation-send-user",
    stepUp: OWNER_STEP_UP.invite,
    input: createInvitationInput.extend(org.shape),
  },
  async (ctx) => {
    await limit(ctx.scope.orgId, "seats");
    const { invitation, emailSent } = await createInvitation(ctx.scope, ctx.input);
    refresh(ctx.org.slug);
    return {
      message: emailSent
        ? `Invitation sent to ${invitation.email}.`
        : `The invitation to ${invitation.email} is saved, but the email could not be sent. Use Resend in a minute.`,
    };
  },
);

export const revokeInvitationAction = action(
  { auth: "member", permission: "invitation.revoke", rateLimit: "api-user", input: invitation },
  async (ctx) => {
    await revokeInvitation(ctx.scope, ctx.input.invitationId);
    refresh(ctx.org.slug);
    return { message: "Revoked." };
  },
);

export const resendInvitationAction = action(
  { auth: "member", permission: "invitation.resend", rateLimit: "invitation-send-user", input: invitation },
  async (ctx) => {
    const { emailSent } = await resendInvitation(ctx.scope, ctx.input.invitationId);
    refresh(ctx.org.slug);
    return {
      message: emailSent ? "Sent again, with a new link." : "Renewed, but the email could not be sent.",
    };
  },
);
