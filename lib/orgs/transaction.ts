import "server-only";
import { recordSecurityEvent } from "@/lib/audit";
import { forgetMemberships } from "@/lib/authz";
import { getDb } from "@/lib/db";
import { ForbiddenError } from "./errors";
import { type Actor, auditBase, type Tx } from "./scope";

// Changes wait for the organization's lock and then the audit chain's lock: allow for a queue
// behind them rather than Prisma's 2 s / 5 s defaults.
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

/**
 * Runs `work` in one transaction: the change and its audit event commit together or not at all.
 * When `work` refuses with a ForbiddenError, the transaction is rolled back and the refusal is
 * recorded as an `authz.denied` security event in a transaction of its own, so it survives.
 * After a commit, this process's cached memberships of the organization are dropped (lib/authz), so
 * a role change, a removal or a new requireMfa applies to the very next request.
 */
export async function inTransaction<T>(
  actor: Actor & { orgId: string | null },
  target: { type: string; id: string } | null,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  try {
    const result = await getDb().$transaction(work, TRANSACTION_OPTIONS);
    if (actor.orgId) forgetMemberships(actor.orgId);
    return result;
  } catch (error) {
    if (error instanceof ForbiddenError) await recordDenial(actor, target, error);
    throw error;
  }
}

/** Records a refusal outside any transaction as an `authz.denied` security event, then throws it. */
export async function refuse(
  actor: Actor & { orgId: string | null },
  target: { type: string; id: string } | null,
  error: ForbiddenError,
): Promise<never> {
  await recordDenial(actor, target, error);
  throw error;
}

function recordDenial(
  actor: Actor & { orgId: string | null },
  target: { type: string; id: string } | null,
  error: ForbiddenError,
) {
  return recordSecurityEvent({
    ...auditBase(actor, actor.orgId),
    action: "authz.denied",
    target,
    metadata: { permission: error.permission, reason: error.message },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids reach these functions from URLs; anything that can't be an id is simply not found. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
