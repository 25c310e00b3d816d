"use server";

import { redirect } from "next/navigation";
import { action } from "@/lib/http";
import { createOrganization, createOrganizationInput } from "@/lib/orgs";

/** Creates an organization with the signed-in user as its owner, then opens it. */
export const createOrganizationAction = action(
  { auth: "user", rateLimit: "api-user", input: createOrganizationInput },
  async (ctx) => {
    const organization = await createOrganization(
      { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
      ctx.input,
    );
    redirect(`/${organization.slug}`);
  },
);
