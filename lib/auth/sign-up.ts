import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb, Prisma } from "../db";
import { logger } from "../log";
import { accountExistsMail, appLink } from "../mail";
import { normalizeEmail } from "./email";
import {
  afterAnswer,
  auditClient,
  enforceLimits,
  type RequestClient,
  requireAcceptablePassword,
  sendAfterAnswer,
} from "./flow-support";
import { hashPassword } from "./password";
import { prepareVerificationEmail } from "./verification";

export type SignUpInput = { email: string; name?: string | null; password: string } & RequestClient;

/**
 * Creates an account and emails its verification link, without revealing whether the address
 * already has an account: for a registered address nothing is created, and the owner gets a "you
 * already have an account" email instead. The caller answers the same in both cases, after the
 * same work: the rate limit, the password policy (which looks only at the password and the typed
 * address) and one argon2id hash. Everything that depends on the address (the lookup, the account,
 * its token, the mail) runs after the answer, in `background` (afterAnswer). No session starts here:
 * signing the new user in would tell the cases apart too
 * (docs/decisions/0010-identity-flows-without-enumeration.md).
 *
 * Throws AuthFlowError for what the person can fix or wait out: `rate_limited` /
 * `rate_limit_unavailable` (`sign-up-ip`), `weak_password`.
 */
export async function signUp(input: SignUpInput): Promise<{ background: Promise<void> }> {
  const email = normalizeEmail(input.email);
  await enforceLimits([["sign-up-ip", input.ip]], input);
  await requireAcceptablePassword(input.password, email);
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;
  return {
    background: afterAnswer({ purpose: "sign-up" }, () =>
      createAccountOrTellOwner({ email, name, passwordHash }, input),
    ),
  };
}

async function createAccountOrTellOwner(
  account: { email: string; name: string | null; passwordHash: string },
  client: RequestClient,
): Promise<void> {
  const db = getDb();
  const existing = await db.user.findUnique({
    where: { email: account.email },
    select: { id: true, name: true },
  });
  if (existing) return tellOwnerTheyHaveAnAccount(existing, account.email);
  try {
    const { userId, mail } = await db.$transaction(async (tx) => {
      const user = await tx.user.create({ data: account, select: { id: true } });
      const mail = await prepareVerificationEmail(tx, {
        id: user.id,
        email: account.email,
        name: account.name,
      });
      await recordSecurityEvent(
        { action: "auth.account.created", actor: { type: "USER", id: user.id }, ...auditClient(client) },
        tx,
      );
      return { userId: user.id, mail };
    });
    await sendAfterAnswer(mail, { purpose: "verification mail", userId });
  } catch (error) {
    // Two sign-ups for the same new address at once: the other one created the account.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
    const winner = await db.user.findUniqueOrThrow({
      where: { email: account.email },
      select: { id: true, name: true },
    });
    await tellOwnerTheyHaveAnAccount(winner, account.email);
  }
}

async function tellOwnerTheyHaveAnAccount(
  user: { id: string; name: string | null },
  email: string,
): Promise<void> {
  // Logged, not audited as a security event: it changes nothing, and repeated ones show up here.
  logger.info({ userId: user.id }, "sign-up with a registered address: the owner is told by email");
  const mail = accountExistsMail({ name: user.name ?? undefined, link: appLink("/sign-in") });
  await sendAfterAnswer({ ...mail, to: email }, { purpose: "account-exists mail", userId: user.id });
}
