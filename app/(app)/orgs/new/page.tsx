import type { Metadata } from "next";
import { ActionForm } from "@/components/action-form";
import { PublicPage } from "@/components/public-page";
import { Field } from "@/components/ui/field";
import { requirePageUser } from "@/lib/http";
import { SLUG_MAX_LENGTH, SLUG_MIN_LENGTH } from "@/lib/orgs";
import { createOrganizationAction } from "./actions";

export const metadata: Metadata = { title: "New organization" };

export default async function NewOrganizationPage() {
  await requirePageUser({ returnTo: "/orgs/new" });
  return (
    <PublicPage>
      <div className="mx-auto max-w-md px-4 py-16 sm:px-6">
        <h1 className="text-3xl font-bold tracking-tight">New organization</h1>
        <p className="mt-2 text-slate-700">You will be its owner, and can invite others once it exists.</p>
        <ActionForm action={createOrganizationAction} submitLabel="Create organization" className="mt-8">
          <Field label="Name" name="name" required />
          <Field
            label="Address (optional)"
            name="slug"
            hint={`Its URL: ${SLUG_MIN_LENGTH}–${SLUG_MAX_LENGTH} lowercase letters, digits and hyphens. Left empty, it is made from the name.`}
          />
        </ActionForm>
      </div>
    </PublicPage>
  );
}
