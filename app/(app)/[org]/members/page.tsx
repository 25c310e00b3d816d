import type { Metadata } from "next";
import { ActionForm } from "@/components/action-form";
import { QuotaNote } from "@/components/plan-allowance";
import { Field, Select } from "@/components/ui/field";
import { displayName } from "@/lib/auth";
import { can, type OrgRole, ROLE_RANK, ROLES } from "@/lib/authz";
import { quotaUsage } from "@/lib/billing";
import { requirePageMember } from "@/lib/http";
import { listMembers, listPendingInvitations } from "@/lib/orgs";
import {
  changeRoleAction,
  inviteAction,
  leaveOrganizationAction,
  removeMemberAction,
  resendInvitationAction,
  revokeInvitationAction,
  transferOwnershipAction,
} from "./actions";

export const metadata: Metadata = { title: "Members" };

type Props = { params: Promise<{ org: string }> };

const ROLE_LABELS: Record<OrgRole, string> = { OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member" };
const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

export default async function MembersPage({ params }: Props) {
  const { org } = await params;
  const member = await requirePageMember(org, "membership.read");
  const members = await listMembers(member.scope);
  const invitations = member.permissions.has("invitation.read")
    ? await listPendingInvitations(member.scope)
    : [];
  const seats = member.permissions.has("invitation.create") ? await quotaUsage(member.org.id, "seats") : null;
  const ownerCount = members.filter((entry) => entry.role === "OWNER").length;
  const me = member.role;
  // What the page offers follows the policy table; the server checks again with fresh facts.
  const grantable = ROLES.filter((role) => ROLE_RANK[role] <= ROLE_RANK[me]).map((role) => ({
    value: role,
    label: ROLE_LABELS[role],
  }));
  const mayLeave = can(me, "membership.leave", { targetRole: me, ownerCount });
  const others = members.filter((entry) => entry.user.id !== member.user.id);
  // Where the step-up page sends people back to: changes that touch the Owner role ask for it.
  const here = `/${org}/members`;

  return (
    <div className="max-w-4xl">
      <h1 className="text-2xl font-bold tracking-tight">Members</h1>
      <ul className="mt-6 divide-y divide-slate-200 rounded-lg border border-slate-200">
        {members.map((entry) => {
          const self = entry.user.id === member.user.id;
          const facts = { targetRole: entry.role, ownerCount };
          const mayChange = can(me, "membership.changeRole", facts);
          const mayRemove = !self && can(me, "membership.remove", facts);
          const who = displayName(entry.user);
          return (
            <li key={entry.id} className="flex flex-wrap items-center justify-between gap-4 p-4">
              <div>
                <p className="font-medium">
                  {who}
                  {self ? <span className="ml-2 text-xs font-normal text-slate-500">(you)</span> : null}
                </p>
                <p className="text-sm text-slate-600">
                  {entry.user.email} · {ROLE_LABELS[entry.role]} · joined {dateFormat.format(entry.joinedAt)}
                </p>
              </div>
              <div className="flex flex-wrap items-start gap-2">
                {mayChange ? (
                  <ActionForm
                    action={changeRoleAction}
                    submitLabel="Change role"
                    variant="secondary"
                    returnTo={here}
                    inline
                  >
                    <input type="hidden" name="org" value={org} />
                    <input type="hidden" name="membershipId" value={entry.id} />
                    <Select
                      label={`Role for ${who}`}
                      srOnlyLabel
                      name="role"
                      id={`role-${entry.id}`}
                      options={grantable}
                      defaultValue={entry.role}
                    />
                  </ActionForm>
                ) : null}
                {mayRemove ? (
                  <ActionForm
                    action={removeMemberAction}
                    submitLabel={`Remove ${who}`}
                    variant="secondary"
                    returnTo={here}
                  >
                    <input type="hidden" name="org" value={org} />
                    <input type="hidden" name="membershipId" value={entry.id} />
                  </ActionForm>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>

      {member.permissions.has("invitation.read") ? (
        <section aria-labelledby="invitations" className="mt-10">
          <h2 id="invitations" className="text-lg font-semibold">
            Invitations
          </h2>
          {invitations.length === 0 ? (
            <p className="mt-2 text-sm text-slate-600">No pending invitations.</p>
          ) : (
            <ul className="mt-4 divide-y divide-slate-200 rounded-lg border border-slate-200">
              {invitations.map((invitation) => (
                <li key={invitation.id} className="flex flex-wrap items-center justify-between gap-4 p-4">
                  <div>
                    <p className="font-medium">{invitation.email}</p>
                    <p className="text-sm text-slate-600">
                      {ROLE_LABELS[invitation.role]} ·{" "}
                      {invitation.expired ? "expired" : `expires ${dateFormat.format(invitation.expiresAt)}`}
                      {invitation.invitedBy ? ` · invited by ${displayName(invitation.invitedBy)}` : ""}
                    </p>
                  </div>
                  <div className="flex flex-wrap items-start gap-2">
                    {member.permissions.has("invitation.resend") &&
                    can(me, "invitation.create", { grantedRole: invitation.role }) ? (
                      <ActionForm action={resendInvitationAction} submitLabel="Resend" variant="secondary">
                        <input type="hidden" name="org" value={org} />
                        <input type="hidden" name="invitationId" value={invitation.id} />
                      </ActionForm>
                    ) : null}
                    {member.permissions.has("invitation.revoke") ? (
                      <ActionForm action={revokeInvitationAction} submitLabel="Revoke" variant="secondary">
                        <input type="hidden" name="org" value={org} />
                        <input type="hidden" name="invitationId" value={invitation.id} />
                      </ActionForm>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
          {seats ? (
            <div className="mt-6 max-w-xl">
              <QuotaNote usage={seats} quota="seats" orgSlug={org} />
              {seats.reached ? null : (
                <ActionForm
                  action={inviteAction}
                  submitLabel="Send invitation"
                  returnTo={here}
                  className="mt-4"
                >
                  <input type="hidden" name="org" value={org} />
                  <Field label="Email address to invite" name="email" type="email" required />
                  <Select label="Role" name="role" options={grantable} defaultValue="MEMBER" />
                </ActionForm>
              )}
            </div>
          ) : null}
        </section>
      ) : null}

      {member.permissions.has("organization.transferOwnership") && others.length > 0 ? (
        <section aria-labelledby="transfer" className="mt-10 max-w-xl">
          <h2 id="transfer" className="text-lg font-semibold">
            Transfer ownership
          </h2>
          <p className="mt-1 text-sm text-slate-700">
            The member you choose becomes an owner, and you become an admin. You'll be asked to confirm it's
            you.
          </p>
          <ActionForm
            action={transferOwnershipAction}
            submitLabel="Transfer ownership"
            returnTo={here}
            className="mt-4"
          >
            <input type="hidden" name="org" value={org} />
            <Select
              label="New owner"
              name="membershipId"
              options={others.map((entry) => ({
                value: entry.id,
                label: displayName(entry.user),
              }))}
            />
          </ActionForm>
        </section>
      ) : null}

      <section aria-labelledby="leave" className="mt-10 max-w-xl">
        <h2 id="leave" className="text-lg font-semibold">
          Leave {member.org.name}
        </h2>
        {mayLeave ? (
          <ActionForm
            action={leaveOrganizationAction}
            submitLabel="Leave organization"
            variant="secondary"
            className="mt-3"
          >
            <input type="hidden" name="org" value={org} />
          </ActionForm>
        ) : (
          <p className="mt-1 text-sm text-slate-700">
            You are the only owner. Make another member an owner before you leave.
          </p>
        )}
      </section>
    </div>
  );
}
