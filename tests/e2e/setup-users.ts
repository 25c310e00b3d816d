// For the e2e setup scripts (*-users.ts, run with tsx): users made in the e2e database with the demo
// password.
import { hashPassword } from "../../lib/auth";
import type { PrismaClient } from "../../lib/db";
import { DEMO_PASSWORD } from "../../prisma/demo-data";

/**
 * Returns `newUser(label, name, options)`, which makes a user `<label>-<tag>@example.com` with the
 * demo password (hashed once here), verified unless `verified: false`, a platform admin if
 * `isPlatformAdmin`. The row comes back with its passwordHash (queries leave it out unless asked),
 * which no-secrets-users.ts searches the pages for.
 */
export async function userMaker(db: PrismaClient, tag: string) {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return (label: string, name: string, options: { verified?: boolean; isPlatformAdmin?: boolean } = {}) =>
    db.user.create({
      omit: { passwordHash: false },
      data: {
        email: `${label}-${tag}@example.com`,
        name,
        emailVerifiedAt: options.verified === false ? null : new Date(),
        passwordHash,
        isPlatformAdmin: options.isPlatformAdmin ?? false,
      },
    });
}
