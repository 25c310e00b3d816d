import "server-only";

// A person's rights over their data: a downloadable export of everything they own or authored, and
// account deletion with a grace period, then a hard delete that leaves only pseudonymous audit
// history. README.md beside this file says how to wire it.

export { type PrivacyConfig, privacyEnvSchema, readPrivacyConfig } from "./config";
export {
  type AccountDeletionStatus,
  accountDeletionStatus,
  auditPseudonym,
  cancelAccountDeletion,
  type HardDeleteResult,
  hardDeleteAccount,
  hardDeleteDueAccounts,
  type OrganizationRef,
  requestAccountDeletion,
} from "./deletion";
export {
  DataExportExpiredError,
  DataExportInProgressError,
  DataExportNotFoundError,
  DataExportNotReadyError,
  SoleOwnerError,
  SubscriptionStillActiveError,
} from "./errors";
export {
  buildDataExport,
  type ClientInfo,
  type DataExportStatus,
  type DataExportSummary,
  failDataExport,
  listDataExports,
  pruneDataExports,
  readDataExportArchive,
  requestDataExport,
  STUCK_EXPORT_AFTER_MS,
} from "./export";
export {
  DELETION_LEDGER_FILE,
  type DeletionLedgerEntry,
  type ReapplyResult,
  readDeletionLedgerFile,
  reapplyDeletionLedger,
  writeDeletionLedgerFile,
} from "./ledger";
export { cancelSubscriptionBeforeOrgDeletion } from "./organization-billing";
