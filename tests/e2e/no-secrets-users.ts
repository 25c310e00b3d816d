// Makes the accounts no-secrets.spec.ts needs, through lib functions, in the e2e database; prints
// them as JSON with every secret stored for them. Run as
// `tsx --conditions=react-server tests/e2e/no-secrets-users.ts` with DATABASE_URL (the e2e database)
// and AUTH_ENCRYPTION_KEYS set as the app's (audit-admin-users.ts does the same). Fresh accounts each run.
//
// Two accounts holding every kind of secret the app stores (a password hash, a TOTP secret encrypted
// with the app's key, recovery code hashes, a hashed token of every emailed kind): a platform admin
// enrolled in MFA (the TOTP secret is printed so the spec can sign in with a code) who owns an
// organization, and a colleague who is a member of it and created a project there. The admin has also
// invited someone (the invitation's token is stored hashed). All have the demo password.
import { randomUUID } from "node:crypto";
import { createToken, hashToken } from "../../lib/auth";
import { createPrismaClient } from "../../lib/db";
import { giveEverySecret } from "../support/secrets";
import { userMaker } from "./setup-users";

const db = createPrismaClient({ DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_POOL_MAX: 1 });

try {
  const tag = randomUUID().slice(0, 8);
  const newUser = await userMaker(db, tag);
  /** A verified user with every secret: the user, their TOTP secret, and every secret stored with its plaintext. */
  const userWithEverySecret = async (label: string, name: string, isPlatformAdmin: boolean) => {
    const user = await newUser(label, name, { isPlatformAdmin });
    const given = await giveEverySecret(db, user.id, user.passwordHash as string);
    return { user, totpSecret: given.totpSecret, secrets: [...given.stored, ...given.plaintexts] };
  };
  const admin = await userWithEverySecret("keeper", "Kit Keeper", true);
  const colleague = await userWithEverySecret("colleague", "Cleo Colleague", false);
  const org = await db.organization.create({ data: { slug: `secrets-${tag}`, name: `Secrets ${tag}` } });
  await db.membership.create({ data: { userId: admin.user.id, orgId: org.id, role: "OWNER" } });
  await db.membership.create({ data: { userId: colleague.user.id, orgId: org.id, role: "MEMBER" } });
  await db.project.create({
    data: { orgId: org.id, name: `Project ${tag}`, createdById: colleague.user.id },
  });
  const invitationToken = createToken();
  await db.invitation.create({
    data: {
      orgId: org.id,
      email: `invitee-${tag}@example.com`,
      role: "MEMBER",
      tokenHash: hashToken(invitationToken),
      invitedById: admin.user.id,
      expiresAt: new Date(Date.now() + 24 * 60 * 60_000),
    },
  });
  console.log(
    JSON.stringify({
      admin: { id: admin.user.id, email: admin.user.email, totpSecret: admin.totpSecret },
      colleague: { id: colleague.user.id, email: colleague.user.email },
      org: { slug: org.slug, project: `Project ${tag}` },
      secrets: [...admin.secrets, ...colleague.secrets, invitationToken, hashToken(invitationToken)],
    }),
  );
} finally {
  await db.$disconnect();
}
