import "server-only";
import type { Prisma } from "@/lib/db";
import { queueMail } from "@/lib/jobs";
import { appLink, paymentFailedMail } from "@/lib/mail";

/**
 * Queues the email telling every owner of the organization that its payment failed and until when
 * it keeps its plan: one `mail-send` job per owner, written in `tx`, the transaction that makes the
 * organization past due. So the email exists exactly when the state change commits: a crash after
 * the commit leaves the job for a worker, a rollback leaves none, and a duplicate delivery (a no-op)
 * queues nothing. A failure to queue throws, rolling the event back (Stripe retries it).
 */
export async function queuePastDueMail(
  tx: Prisma.TransactionClient,
  orgId: string,
  graceEndsAt: Date,
): Promise<void> {
  const org = await tx.organization.findUnique({
    where: { id: orgId },
    select: {
      name: true,
      slug: true,
      memberships: {
        where: { role: "OWNER" },
        select: { user: { select: { email: true, name: true } } },
      },
    },
  });
  if (!org) return;
  const link = appLink(`/${org.slug}/billing`);
  for (const { user } of org.memberships) {
    await queueMail(
      {
        to: user.email,
        ...paymentFailedMail({ name: user.name ?? undefined, link, orgName: org.name, graceEndsAt }),
      },
      { inTransaction: tx },
    );
  }
}
