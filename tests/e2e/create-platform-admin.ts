// Makes the users the admin e2e spec needs, through lib functions, in the e2e database; prints them
// as JSON. Run as `tsx --conditions=react-server tests/e2e/create-platform-admin.ts` with
// DATABASE_URL (the e2e database), AUTH_SECRET, AUTH_ENCRYPTION_KEYS and APP_URL set as the app's.
//
// - a platform admin enrolled in MFA as the enrolment flow leaves one: a TOTP secret encrypted with
//   the app's key (encryptSecret) and mfaEnabledAt; the secret is printed so the spec can make codes;
// - a session cookie for that admin with the MFA challenge passed (`mfa: "verified"`), minted with
//   the app's secret as next-auth would after the challenge (until the challenge page is in the
//   suite, the spec starts its admin session with it);
// - a plain user for the admin to act on.
import { randomUUID } from "node:crypto";
import { encode } from "next-auth/jwt";
import {
  encryptSecret,
  generateTotpSecret,
  hashPassword,
  readAuthConfig,
  sessionCookieName,
  startSession,
} from "../../lib/auth";
import { createPrismaClient } from "../../lib/db";
import { DEMO_PASSWORD } from "../../prisma/demo-data";

const db = createPrismaClient({ DATABASE_URL: process.env.DATABASE_URL as string, DATABASE_POOL_MAX: 1 });
try {
  const tag = randomUUID().slice(0, 8);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const admin = await db.user.create({
    data: {
      email: `ops-${tag}@example.com`,
      name: "Ops Admin",
      emailVerifiedAt: new Date(),
      passwordHash,
      isPlatformAdmin: true,
    },
  });
  const totpSecret = generateTotpSecret();
  await db.user.update({
    where: { id: admin.id },
    data: {
      mfaSecretEncrypted: encryptSecret(totpSecret, `user:${admin.id}:totp`),
      mfaEnabledAt: new Date(),
    },
  });
  const user = await db.user.create({
    data: {
      email: `customer-${tag}@example.com`,
      name: "Casey Customer",
      emailVerifiedAt: new Date(),
      passwordHash,
    },
  });

  const config = readAuthConfig(process.env);
  const claims = { ...(await startSession(db, admin.id)), mfa: "verified" as const };
  const token = await encode({ token: claims, secret: config.authSecret, maxAge: config.sessionIdleSeconds });
  console.log(
    JSON.stringify({
      admin: { id: admin.id, email: admin.email, totpSecret },
      user: { id: user.id, email: user.email },
      adminSession: { name: sessionCookieName(), value: token },
    }),
  );
} finally {
  await db.$disconnect();
}
