import "server-only";
import { z } from "zod";
import { pruneAuditEvents, redactAuditClientDetails, verifyAuditChains } from "../audit";
import { completeQueuedSignUp } from "../auth";
import { createBackup, readBackupConfig, runDrill } from "../backup";
import { eraseStripeCustomer } from "../billing";
import { dbEnvSchema } from "../db";
import { MailDeliveryError, sendMail } from "../mail";
import { buildDataExport, failDataExport, hardDeleteDueAccounts, writeDeletionLedgerFile } from "../privacy";
import type { JobsConfig } from "./config";
import { forgetQueuedMailTo } from "./forget";
import { JOB_QUEUES, type JobName, scheduleOf } from "./queues";
import { pruneExpiredRecords } from "./retention";
import type { JobDefinition, JobRun } from "./runner";

// Every job the worker runs: the queue settings (queues.ts) joined to the handler that does the work.
// Handlers are idempotent: a job runs at least once (again after a crash or an expired run).

const mailMessage = z.object({
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
});
const exportJob = z.object({ exportId: z.string() });
const customerErasureJob = z.object({ customerId: z.string().min(1), orgId: z.string().nullable() });

type Handler = (data: unknown, run: JobRun, config: JobsConfig) => Promise<unknown>;

/** A job that must not be retried failed for good: its error says why. */
export class JobFailedError extends Error {
  override name = "JobFailedError";
}

const HANDLERS: Record<JobName, Handler> = {
  async "mail-send"(data, run) {
    try {
      const sent = await sendMail(mailMessage.parse(data));
      return { mailId: sent.id, via: sent.via };
    } catch (error) {
      // A permanent refusal (5xx: no such mailbox) will not change on retry: log it and stop.
      if (error instanceof MailDeliveryError && error.permanent) {
        run.log.error(
          { mailId: error.mailId, smtpCode: error.smtpCode },
          "mail refused for good, not retried",
        );
        return { mailId: error.mailId, refused: true };
      }
      throw error;
    }
  },

  "sign-up": (data) => completeQueuedSignUp(data),

  async "data-export-build"(data, run) {
    const { exportId } = exportJob.parse(data);
    try {
      return await buildDataExport(exportId);
    } catch (error) {
      // Out of retries: the person sees "failed, request a new one" instead of waiting forever.
      if (run.isFinalAttempt)
        await failDataExport(exportId, "Building the export failed. Request a new one.");
      throw error;
    }
  },

  async "account-deletion"() {
    const result = await hardDeleteDueAccounts();
    // Queued mail to a deleted address would still name them in the job tables.
    for (const { email } of result.deleted) await forgetQueuedMailTo(email);
    // The ledger beside the backups, where a restore that replaces this database still finds it.
    const ledgerEntries = await writeDeletionLedgerFile(readBackupConfig().dir);
    if (result.failed.length > 0) {
      throw new JobFailedError(
        `${result.failed.length} account deletion(s) failed (${result.deleted.length} done); see the logs. ` +
          `First error: ${String((result.failed[0]?.error as Error)?.message ?? result.failed[0]?.error)}`,
      );
    }
    return { deleted: result.deleted.length, ledgerEntries };
  },

  "stripe-customer-erasure": (data) => eraseStripeCustomer(customerErasureJob.parse(data)),

  prune: (_data, _run, config) => pruneExpiredRecords(config),

  async "audit-retention"() {
    const result = await pruneAuditEvents();
    return { cutoff: result.cutoff.toISOString(), pruned: result.pruned, chains: result.chains.length };
  },

  async "audit-client-retention"() {
    const result = await redactAuditClientDetails();
    return { cutoff: result.cutoff.toISOString(), redacted: result.redacted };
  },

  async "audit-verify"() {
    const result = await verifyAuditChains();
    if (!result.ok) {
      throw new JobFailedError(
        `Audit chain ${result.chain} is broken at seq ${result.seq} (${result.reason}); ${result.breaks.length} ` +
          "chain(s) broken in all. Run `npm run audit:verify` and see docs/RUNBOOK.md.",
      );
    }
    return { checked: result.checked, chains: result.chains };
  },

  async backup() {
    const result = await createBackup({ databaseUrl: databaseUrl(), config: readBackupConfig() });
    return {
      file: result.manifest.file,
      bytes: result.manifest.encrypted.bytes,
      uploaded: result.upload?.url ?? null,
      removed: result.removed.length,
    };
  },

  async "backup-drill"() {
    const record = await runDrill({ databaseUrl: databaseUrl(), config: readBackupConfig() });
    if (!record.ok) throw new JobFailedError(`Restore drill failed: ${record.problems.join("; ")}`);
    return { backupFile: record.backupFile, tables: record.tables, rows: record.rows };
  },
};

function databaseUrl(): string {
  return dbEnvSchema.parse(process.env).DATABASE_URL;
}

/** The worker's job definitions under `config`: every queue, its handler, and its schedule if any. */
export function jobDefinitions(config: JobsConfig): JobDefinition[] {
  return (Object.keys(JOB_QUEUES) as JobName[]).map((name) => {
    const settings = JOB_QUEUES[name];
    const handler = HANDLERS[name];
    return {
      name,
      settings,
      schedule: scheduleOf(settings, config),
      handler: (data, run) => handler(data, run, config),
    };
  });
}
