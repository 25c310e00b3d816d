import "server-only";
import { logger } from "@/lib/log";
import { SECURITY_EVENT_LOG_LEVELS, type SecurityAction } from "./actions";
import { type AuditDb, type AuditEventInput, type RecordedAuditEvent, recordAuditEvent } from "./record";

export type SecurityEventInput = Omit<AuditEventInput, "action"> & { action: SecurityAction };

/**
 * The one function every security event (sign-ins, lockouts, MFA, resets, denials…) goes through: it
 * appends an AuditEvent and writes a structured log line, at warn for events that may be an attack
 * (failed sign-in, lockout, rate limit, denial) and info otherwise. The log line carries the event's
 * chain, seq and hash, so logs shipped elsewhere also anchor the chain.
 *
 * With `tx`, the event commits with the caller's transaction; the log line is written at once and
 * stays even if that transaction later rolls back. If the audit row cannot be written, an error line
 * with the event is logged and the error is thrown.
 */
export async function recordSecurityEvent(
  input: SecurityEventInput,
  tx?: AuditDb,
): Promise<RecordedAuditEvent> {
  const fields = {
    event: input.action,
    actorType: input.actor.type,
    actorId: input.actor.type === "ANONYMOUS" ? undefined : input.actor.id,
    orgId: input.orgId ?? undefined,
    targetType: input.target?.type,
    targetId: input.target?.id,
    ip: input.ip ?? undefined,
    metadata: input.metadata,
  };
  let recorded: RecordedAuditEvent;
  try {
    recorded = await recordAuditEvent(input, tx);
  } catch (error) {
    logger.error(
      { err: error, ...fields },
      `security event ${input.action} could not be written to the audit log`,
    );
    throw error;
  }
  const audit = { eventId: recorded.id, chain: recorded.chain, seq: recorded.seq, hash: recorded.hash };
  logger[SECURITY_EVENT_LOG_LEVELS[input.action]]({ ...fields, audit }, `security event ${input.action}`);
  return recorded;
}
