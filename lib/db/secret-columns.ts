import type { Prisma } from "./generated/client";

/**
 * The columns no query returns unless it names them: credentials (the password hash, the encrypted
 * TOTP secret) and the hashes that stand for one (emailed-token, invitation-token and recovery-code
 * hashes). Every client `createPrismaClient` makes omits them (Prisma's global `omit`), so
 * `include: { createdBy: true }`, a `findMany()` without `select`, or a relation three levels deep
 * never carries them; the code that needs one asks for it (`select: { passwordHash: true }`), and
 * only lib/auth (and lib/orgs for invitation tokens, in `where` only) does. Decision 0033.
 *
 * The one list: `tests/unit/secret-columns.test.ts` holds every schema column whose name says
 * secret, hash, token, password or encrypted to it (or to its list of reviewed exceptions), and
 * `tests/integration/secret-columns.test.ts` checks every relation path to these models.
 */
export const secretColumns = {
  user: { passwordHash: true, mfaSecretEncrypted: true },
  authToken: { tokenHash: true },
  recoveryCode: { codeHash: true },
  invitation: { tokenHash: true },
} as const satisfies Prisma.GlobalOmitConfig;
