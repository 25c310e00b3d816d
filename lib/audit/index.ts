import "server-only";

export { AUDIT_ACTIONS, type AuditAction, SECURITY_EVENT_LOG_LEVELS, type SecurityAction } from "./actions";
export { canonicalJson } from "./canonical-json";
export { type AuditChain, auditChainOf, auditEventHash, type ChainedEvent, GENESIS_HASH } from "./chain";
export { type AuditConfig, auditEnvSchema } from "./config";
export {
  type AuditActor,
  type AuditDb,
  type AuditEventInput,
  InvalidAuditEventError,
  type RecordedAuditEvent,
  recordAuditEvent,
} from "./record";
export {
  type PruneAuditEventsOptions,
  type PruneResult,
  pruneAuditEvents,
  pseudonymizeAuditActor,
  readAuditConfig,
} from "./retention";
export { recordSecurityEvent, type SecurityEventInput } from "./security-event";
export {
  type AuditChainBreak,
  type AuditVerification,
  type VerifyAuditChainsOptions,
  verifyAuditChains,
} from "./verify";
