import "server-only";
import { getDb, type PrismaClient } from "@/lib/db";
import { logger } from "@/lib/log";
import { appLink, paymentFailedMail, sendMail } from "@/lib/mail";

/**
 * Emails every owner of the organization that its payment failed and until when it keeps its plan.
 * Called once the past-due state has committed, so a duplicate webhook delivery (a no-op) never
 * mails twice. Each failed delivery is logged and the others still go out; nothing is thrown, since
 * the state change already stands and the billing page and banner say the same thing.
 */
export async function mailOwnersPastDue(
  orgId: string,
  graceEndsAt: Date,
  db: PrismaClient = getDb(),
): Promise<void> {
  const org = await db.organization.findUnique({
    where: { id: orgId },
    select: {
      name: true,
      slug: true,
      memberships: {
        where: { role: "OWNER" },
        select: { user: { select: { id: true, email: true, name: true } } },
      },
    },
  });
  if (!org) return;
  const link = appLink(`/${org.slug}/billing`);
  for (const { user } of org.memberships) {
    try {
      await sendMail({
        to: user.email,
        ...paymentFailedMail({ name: user.name ?? undefined, link, orgName: org.name, graceEndsAt }),
      });
    } catch (error) {
      logger.error(
        { err: error, orgId, userId: user.id },
        "payment-failed email to an owner could not be sent",
      );
    }
  }
}
