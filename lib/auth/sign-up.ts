import "server-only";
import { recordSecurityEvent } from "../audit";
import { getDb, Prisma } from "../db";
import { logger } from "../log";
import { accountExistsMail, appLink } from "../mail";
import { normalizeEmail } from "./email";
import {
  auditClient,
  deliverInBackground,
  enforceLimits,
  type RequestClient,
  requireAcceptablePassword,
} from "./flow-support";
import { hashPassword } from "./password";
import { prepareVerificationEmail } from "./verification";

export type SignUpInput = { email: string; name?: string | null; password: string } & RequestClient;

/**
 * Creates an account and emails its verification link, without revealing whether the address
 * already has an account: for a registered address nothing is created, the owner gets a "you already
 * have an account" email instead, and the caller's answer is the same. Both paths do the same work
 * the caller can time (the rate limit, the password policy, one argon2id hash, one mail handed to
 * the background). No session starts here: signing the new user in would tell the two cases apart
 * (docs/decisions/0010-sign-up-without-enumeration.md).
 *
 * Throws AuthFlowError for what the person can fix or wait out: `rate_limited` / `rate_limit_unavailable`
 * (`sign-up-ip`), `weak_password` (the policy, which looks only at the password and the typed
 * address, so its answer reveals nothing either). Returns the mail delivery (deliverInBackground).
 */
export async function signUp(input: SignUpInput): Promise<{ delivered: Promise<void> }> {
  const email = normalizeEmail(input.email);
  await enforceLimits([["sign-up-ip", input.ip]], input);
  await requireAcceptablePassword(input.password, email);
  const passwordHash = await hashPassword(input.password);
  const name = input.name?.trim() || null;

  const existing = await getDb().user.findUnique({ where: { email }, select: { id: true, name: true } });
  if (existing) return tellOwnerTheyHaveAnAccount(existing, email);

  try {
    const { user, mail } = await getDb().$transaction(async (tx) => {
      const user = await tx.user.create({ data: { email, name, passwordHash }, select: { id: true } });
      const mail = await prepareVerificationEmail(tx, { id: user.id, email, name });
      await recordSecurityEvent(
        { action: "auth.account.created", actor: { type: "USER", id: user.id }, ...auditClient(input) },
        tx,
      );
      return { user, mail };
    });
    return { delivered: deliverInBackground(mail, { purpose: "verification", userId: user.id }) };
  } catch (error) {
    // Two sign-ups for the same new address at once: the other one created the account.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
    const winner = await getDb().user.findUniqueOrThrow({
      where: { email },
      select: { id: true, name: true },
    });
    return tellOwnerTheyHaveAnAccount(winner, email);
  }
}

function tellOwnerTheyHaveAnAccount(
  user: { id: string; name: string | null },
  email: string,
): { delivered: Promise<void> } {
  // Logged, not audited as a security event: it changes nothing, and repeated ones show up here.
  logger.info({ userId: user.id }, "sign-up with a registered address: the owner is told by email");
  const mail = accountExistsMail({ name: user.name ?? undefined, link: appLink("/sign-in") });
  return {
    delivered: deliverInBackground({ ...mail, to: email }, { purpose: "account-exists", userId: user.id }),
  };
}
