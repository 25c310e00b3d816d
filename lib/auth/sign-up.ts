import "server-only";
import { z } from "zod";
import { recordSecurityEvent } from "../audit";
import { getDb, Prisma } from "../db";
import { claimQueuedJob, enqueueJob, type SignUpJobData } from "../jobs";
import { logger } from "../log";
import { accountExistsMail, appLink } from "../mail";
import { normalizeEmail } from "./email";
import { decryptSecret, encryptSecret } from "./encryption";
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
 * How long the queued sign-up job waits before a worker may run it. The process that answered
 * finishes the sign-up at once (the `background` work) and takes the job out of the queue as it
 * commits; the job runs only when that process died or failed first.
 */
export const SIGN_UP_RECOVERY_DELAY_SECONDS = 60;

/**
 * Creates an account and emails its verification link, without revealing whether the address
 * already has an account: for a registered address nothing is created, and the owner gets a "you
 * already have an account" email instead. The caller answers the same in both cases, after the
 * same work: the rate limit, the password policy (which looks only at the password and the typed
 * address), one argon2id hash, and one row in PostgreSQL: the sign-up, queued as a `sign-up` job.
 * So an answer means the sign-up is durable: a crash right after it loses nothing (a worker
 * finishes the job), and with the database down there is no answer but a 503
 * (docs/decisions/0029-durable-answers-and-database-outages.md). Everything that depends on the address (the lookup,
 * the account, its token, the mail) runs after the answer, in `background` (afterAnswer), which
 * claims the queued job in the same transaction. No session starts here: signing the new user in
 * would tell the cases apart too (docs/decisions/0010-identity-flows-without-enumeration.md).
 *
 * Throws AuthFlowError for what the person can fix or wait out: `rate_limited` /
 * `rate_limit_unavailable` (`sign-up-ip`), `weak_password`; lib/jobs' JobEnqueueError when the
 * sign-up can't be stored (the wrapper answers 503 `database_unavailable` for an unreachable database).
 */
export async function signUp(input: SignUpInput): Promise<{ background: Promise<void> }> {
  const email = normalizeEmail(input.email);
  await enforceLimits([["sign-up-ip", input.ip]], input);
  await requireAcceptablePassword(input.password, email);
  const passwordHash = await hashPassword(input.password);
  const request: SignUpJobData = {
    email,
    name: input.name?.trim() || null,
    passwordHashEncrypted: encryptSecret(passwordHash, signUpContext(email)),
    ip: input.ip,
    userAgent: input.userAgent ?? null,
  };
  const jobId = await enqueueJob("sign-up", request, {
    startAfter: new Date(Date.now() + SIGN_UP_RECOVERY_DELAY_SECONDS * 1000),
  });
  return {
    background: afterAnswer({ purpose: "sign-up" }, () => completeSignUp(request, jobId ?? undefined)),
  };
}

const signUpJobData = z.object({
  email: z.string(),
  name: z.string().nullable(),
  passwordHashEncrypted: z.string(),
  ip: z.string(),
  userAgent: z.string().nullable(),
});

/** The `sign-up` job's handler (lib/jobs): finishes a sign-up whose answering process did not. */
export async function completeQueuedSignUp(data: unknown): Promise<void> {
  await completeSignUp(signUpJobData.parse(data));
}

const signUpContext = (email: string) => `sign-up:${email}`;

/**
 * Creates the account (or tells the owner of a registered address). With `claimJobId` (the process
 * that answered), the queued job is claimed in the same transaction, and nothing is done when a
 * worker has it already; without (the worker), the job is this run.
 */
async function completeSignUp(request: SignUpJobData, claimJobId?: string): Promise<void> {
  const db = getDb();
  const account = {
    email: request.email,
    name: request.name,
    passwordHash: decryptSecret(request.passwordHashEncrypted, signUpContext(request.email)),
  };
  const claim = async (tx: Prisma.TransactionClient) =>
    claimJobId === undefined || (await claimQueuedJob(tx, "sign-up", claimJobId));
  const existing = await findAccount(account.email);
  if (existing) return tellOwnerOrFinish(existing, account, claim);
  try {
    const created = await db.$transaction(async (tx) => {
      if (!(await claim(tx))) return null;
      const user = await tx.user.create({ data: account, select: { id: true } });
      const mail = await prepareVerificationEmail(tx, {
        id: user.id,
        email: account.email,
        name: account.name,
      });
      await recordSecurityEvent(
        { action: "auth.account.created", actor: { type: "USER", id: user.id }, ...auditClient(request) },
        tx,
      );
      return { userId: user.id, mail };
    });
    if (created)
      await sendAfterAnswer(created.mail, { purpose: "verification mail", userId: created.userId });
  } catch (error) {
    // Two sign-ups for the same new address at once: the other one created the account.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
    const winner = await findAccount(account.email);
    if (!winner) throw error;
    await tellOwnerOrFinish(winner, account, claim);
  }
}

type ExistingAccount = {
  id: string;
  name: string | null;
  passwordHash: string | null;
  emailVerifiedAt: Date | null;
};

function findAccount(email: string): Promise<ExistingAccount | null> {
  return getDb().user.findUnique({
    where: { email },
    select: { id: true, name: true, passwordHash: true, emailVerifiedAt: true },
  });
}

async function tellOwnerOrFinish(
  user: ExistingAccount,
  account: { email: string; passwordHash: string },
  claim: (tx: Prisma.TransactionClient) => Promise<boolean>,
): Promise<void> {
  const db = getDb();
  // The hash carries its own random salt: equal, it is this very sign-up, whose account an earlier
  // run of the job created before failing. Finish it: the verification mail may not have gone out.
  if (user.passwordHash === account.passwordHash) {
    if (user.emailVerifiedAt) return;
    const mail = await db.$transaction((tx) =>
      prepareVerificationEmail(tx, { id: user.id, email: account.email, name: user.name }),
    );
    await sendAfterAnswer(mail, { purpose: "verification mail", userId: user.id });
    return;
  }
  if (!(await db.$transaction((tx) => claim(tx)))) return;
  // Logged, not audited as a security event: it changes nothing, and repeated ones show up here.
  logger.info({ userId: user.id }, "sign-up with a registered address: the owner is told by email");
  const mail = accountExistsMail({ name: user.name ?? undefined, link: appLink("/sign-in") });
  await sendAfterAnswer({ ...mail, to: account.email }, { purpose: "account-exists mail", userId: user.id });
}
