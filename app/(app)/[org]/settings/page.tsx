import type { Metadata } from "next";
import { ActionForm } from "@/components/action-form";
import { FeatureNote } from "@/components/plan-allowance";
import { Field } from "@/components/ui/field";
import { hasEntitlement } from "@/lib/billing";
import { requirePageMember } from "@/lib/http";
import { getOrganization } from "@/lib/orgs";
import { deleteOrganizationAction, renameOrganizationAction, requireMfaAction } from "./actions";

export const metadata: Metadata = { title: "Settings" };

type Props = { params: Promise<{ org: string }> };

/** Owners and admins only: for members this page doesn't exist (404). */
export default async function SettingsPage({ params }: Props) {
  const { org } = await params;
  const member = await requirePageMember(org, "organization.update");
  const organization = await getOrganization(member.scope);
  // Turning it off is always offered: a downgrade must not trap an organization in the setting.
  const mayRequireMfa = organization.requireMfa || (await hasEntitlement(member.org.id, "require_mfa"));

  return (
    <div className="max-w-xl">
      <h1 className="text-2xl font-bold tracking-tight">Settings</h1>

      <section aria-labelledby="name" className="mt-8">
        <h2 id="name" className="text-lg font-semibold">
          Name
        </h2>
        <ActionForm action={renameOrganizationAction} submitLabel="Rename" className="mt-4">
          <input type="hidden" name="org" value={org} />
          <Field
            label="Organization name"
            name="name"
            defaultValue={organization.name}
            required
            hint={`The address stays /${organization.slug}.`}
          />
        </ActionForm>
      </section>

      <section aria-labelledby="security" className="mt-10">
        <h2 id="security" className="text-lg font-semibold">
          Two-factor authentication
        </h2>
        <p className="mt-1 text-sm text-slate-700">
          {organization.requireMfa
            ? "Every member needs two-factor authentication to open this organization."
            : "Members choose for themselves whether to use two-factor authentication."}
        </p>
        {mayRequireMfa ? (
          <ActionForm
            action={requireMfaAction}
            submitLabel={organization.requireMfa ? "Stop requiring it" : "Require it for every member"}
            variant="secondary"
            className="mt-3"
          >
            <input type="hidden" name="org" value={org} />
            <input type="hidden" name="requireMfa" value={organization.requireMfa ? "false" : "true"} />
          </ActionForm>
        ) : (
          <div className="mt-3">
            <FeatureNote feature="require_mfa" orgSlug={org} />
          </div>
        )}
      </section>

      {member.permissions.has("organization.delete") ? (
        <section aria-labelledby="danger" className="mt-10 rounded-lg border border-red-200 p-4">
          <h2 id="danger" className="font-semibold text-red-800">
            Delete this organization
          </h2>
          <p className="mt-1 text-sm text-slate-700">
            Deletes its projects, members and invitations for good. You'll be asked to confirm it's you.
          </p>
          <ActionForm
            action={deleteOrganizationAction}
            submitLabel="Delete organization"
            danger
            returnTo={`/${org}/settings`}
            className="mt-4"
          >
            <input type="hidden" name="org" value={org} />
            <Field label={`Type ${organization.slug} to confirm`} name="confirmation" required />
          </ActionForm>
        </section>
      ) : null}
    </div>
  );
}
