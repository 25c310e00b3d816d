// The signed-in user's organizations: list them, or create one (the creator becomes its owner).
import { route } from "@/lib/http";
import { createOrganization, createOrganizationInput, listMyOrganizations } from "@/lib/orgs";

export const GET = route({ auth: "user", rateLimit: "api-user", input: {} }, async (ctx) => ({
  organizations: await listMyOrganizations(ctx.user.id),
}));

export const POST = route(
  { auth: "user", rateLimit: "api-user", input: { body: createOrganizationInput } },
  async (ctx) => {
    const organization = await createOrganization(
      { userId: ctx.user.id, ip: ctx.ip, userAgent: ctx.userAgent },
      ctx.input.body,
    );
    return Response.json({ organization }, { status: 201 });
  },
);
