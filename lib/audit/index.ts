import "server-only";

export {
  AUDIT_ACTIONS,
  AUDIT_FREE_TEXT_METADATA,
  type AuditAction,
  SECURITY_EVENT_LOG_LEVELS,
  type SecurityAction,
} from "./actions";
export { canonicalJson } from "./canonical-json";
export {
  AUDIT_HASH_VERSION,
  AUDIT_HASH_VERSIONS,
  type AuditChain,
  auditChainOf,
  auditEventHash,
  type ChainedEvent,
  GENESIS_HASH,
  PLATFORM_CHAIN_SHARDS,
  PSEUDONYM_PREFIX,
  REDACTED_PREFIX,
} from "./chain";
export { type AuditConfig, auditEnvSchema, checkAuditEnv, pseudonymKeyOf } from "./config";
export {
  AUDIT_CSV_COLUMNS,
  type AuditExport,
  type AuditExportInput,
  auditExportResponse,
  csvCell,
  exportAuditEventsCsv,
} from "./export";
export { type AuditUserIdLookup, setAuditUserIdLookup } from "./metadata-user-ids";
export {
  AUDIT_PAGE_SIZE,
  type AuditActorView,
  type AuditDirectory,
  type AuditEventPage,
  type AuditEventView,
  type AuditFilter,
  type AuditViewScope,
  auditFilterSchema,
  InvalidAuditQueryError,
  type ListAuditEventsOptions,
  listAuditEvents,
  parseAuditFilter,
  platformAuditFilterSchema,
} from "./query";
export {
  type AuditActor,
  type AuditDb,
  type AuditEventInput,
  InvalidAuditEventError,
  type RecordedAuditEvent,
  recordAuditEvent,
} from "./record";
export {
  auditPseudonymOf,
  type RedactClientDetailsResult,
  redactAuditClientDetails,
  redactAuditFreeText,
} from "./redact";
export {
  type PruneAuditEventsOptions,
  type PruneResult,
  type PseudonymizedAuditUser,
  pruneAuditEvents,
  pseudonymizeAuditUser,
  readAuditConfig,
} from "./retention";
export { recordSecurityEvent, type SecurityEventInput } from "./security-event";
export {
  type AuditChainBreak,
  type AuditVerification,
  type VerifyAuditChainsOptions,
  verifyAuditChains,
} from "./verify";
