// Makes the users audit-admin.spec.ts needs, through lib functions, in the e2e database; prints them
// as JSON. Run as `tsx --conditions=react-server tests/e2e/audit-admin-users.ts` with DATABASE_URL
// (the e2e database) and AUTH_ENCRYPTION_KEYS set as the app's. Fresh accounts each run, so the spec
// doesn't depend on what other specs did to the demo accounts.
//
// - a platform admin enrolled in MFA as the enrolment flow leaves one: a TOTP secret encrypted with
//   the app's key (encryptSecret) and mfaEnabledAt; the secret is printed so the spec can make the
//   codes an authenticator app would show;
// - a plain user for the admin to act on;
// - an organization of its own on the Pro plan (the audit export is a paid feature), with an OWNER
//   and a MEMBER, whom its audit log must stay closed to;
// - a newcomer who never verified their address, for the admin's "resend verification email".
// All have the demo password.
import { randomUUID } from "node:crypto";
import { encryptSecret, generateTotpSecret } from "../../lib/auth";
import { createPrismaClient } from "../../lib/db";
import { stripeId, TEST_PRICES } from "../support/stripe-events";
import { userMaker } from "./setup-users";

const db = createPrismaClient({ DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_POOL_MAX: 1 });
try {
  const tag = randomUUID().slice(0, 8);
  const newUser = await userMaker(db, tag);
  const admin = await newUser("ops", "Ops Admin", { isPlatformAdmin: true });
  const totpSecret = generateTotpSecret();
  await db.user.update({
    where: { id: admin.id },
    data: {
      mfaSecretEncrypted: encryptSecret(totpSecret, `user:${admin.id}:totp`),
      mfaEnabledAt: new Date(),
    },
  });
  const user = await newUser("customer", "Casey Customer");
  const member = await newUser("member", "Max Member");
  const newcomer = await newUser("newcomer", "Nia Newcomer", { verified: false });
  const owner = await newUser("owner", "Odette Owner");
  const org = await db.organization.create({ data: { slug: `audit-${tag}`, name: `Audit ${tag}` } });
  await db.membership.create({ data: { userId: owner.id, orgId: org.id, role: "OWNER" } });
  await db.membership.create({ data: { userId: member.id, orgId: org.id, role: "MEMBER" } });
  // What a completed checkout leaves (the e2e app's STRIPE_PRICE_PRO is TEST_PRICES.pro).
  const stripeCustomerId = stripeId("cus");
  await db.billingAccount.create({
    data: {
      orgId: org.id,
      stripeCustomerId,
      stripeSubscriptionId: stripeId("sub"),
      stripePriceId: TEST_PRICES.pro,
      status: "ACTIVE",
    },
  });
  console.log(
    JSON.stringify({
      admin: { id: admin.id, email: admin.email, totpSecret },
      user: { id: user.id, email: user.email },
      org: { slug: org.slug, stripeCustomerId },
      owner: { id: owner.id, email: owner.email },
      member: { id: member.id, email: member.email },
      newcomer: { id: newcomer.id, email: newcomer.email },
    }),
  );
} finally {
  await db.$disconnect();
}
