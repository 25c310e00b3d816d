// Makes the accounts mfa-enforcement.spec.ts needs in the e2e database and prints them as JSON
// (run through fixtures.ts runSetupScript): a platform admin who hasn't set up MFA, and an
// organization on the Pro plan that requires MFA of its members, with a member who hasn't either.
// Fresh accounts each run, with the demo password.
import { randomUUID } from "node:crypto";
import { createPrismaClient } from "../../lib/db";
import { stripeId, TEST_PRICES } from "../support/stripe-events";
import { userMaker } from "./setup-users";

const db = createPrismaClient({ DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_POOL_MAX: 1 });
try {
  const tag = randomUUID().slice(0, 8);
  const newUser = await userMaker(db, tag);
  const admin = await newUser("new-admin", "Nova Admin", { isPlatformAdmin: true });
  const member = await newUser("strict-member", "Sam Member");
  // Requiring MFA is a paid feature: the organization is on Pro, as a completed checkout leaves it.
  const org = await db.organization.create({
    data: { slug: `strict-${tag}`, name: `Strict ${tag}`, requireMfa: true },
  });
  await db.membership.create({ data: { userId: member.id, orgId: org.id, role: "MEMBER" } });
  await db.billingAccount.create({
    data: {
      orgId: org.id,
      stripeCustomerId: stripeId("cus"),
      stripeSubscriptionId: stripeId("sub"),
      stripePriceId: TEST_PRICES.pro,
      status: "ACTIVE",
    },
  });
  console.log(JSON.stringify({ admin: admin.email, member: member.email, org: org.slug }));
} finally {
  await db.$disconnect();
}
