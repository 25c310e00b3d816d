import "server-only";
import { pruneEndedSessions } from "../auth";
import { getDb, type PrismaClient } from "../db";
import { logger } from "../log";
import { pruneDataExports } from "../privacy";
import type { JobsConfig } from "./config";

// What the `prune` job deletes, as data: one entry per kind of record, with the rule in words (the
// README table repeats these). Audit events have their own job (audit-retention). Rate-limit records
// need nothing: they live in Redis under keys that expire on their own (twice the window plus a
// second), or in the in-memory store, which sweeps itself.

const DAY_MS = 24 * 60 * 60 * 1000;

interface RetentionRule {
  name: string;
  rule: (config: JobsConfig) => string;
  run(db: PrismaClient, config: JobsConfig, now: Date): Promise<Record<string, number>>;
}

const daysBefore = (now: Date, days: number) => new Date(now.getTime() - days * DAY_MS);

export const RETENTION_RULES: RetentionRule[] = [
  {
    name: "auth-tokens",
    rule: (config) =>
      `AuthToken rows ${config.AUTH_TOKEN_RETENTION_DAYS} days past expiresAt (until then an old link still says "expired")`,
    async run(db, config, now) {
      const { count } = await db.authToken.deleteMany({
        where: { expiresAt: { lt: daysBefore(now, config.AUTH_TOKEN_RETENTION_DAYS) } },
      });
      return { deleted: count };
    },
  },
  {
    name: "user-sessions",
    rule: () =>
      "UserSession rows that ended (sign-out, revocation), or that no cookie can still use: unused for AUTH_SESSION_IDLE_DAYS or started more than AUTH_SESSION_MAX_DAYS ago",
    run: (db, _config, now) => pruneEndedSessions(db, now),
  },
  {
    name: "invitations",
    rule: (config) =>
      `Invitation rows ${config.INVITATION_RETENTION_DAYS} days past expiresAt, whether accepted, revoked or never used`,
    async run(db, config, now) {
      const { count } = await db.invitation.deleteMany({
        where: { expiresAt: { lt: daysBefore(now, config.INVITATION_RETENTION_DAYS) } },
      });
      return { deleted: count };
    },
  },
  {
    name: "stripe-events",
    rule: (config) =>
      `StripeEvent rows (the webhook idempotency records) received more than ${config.STRIPE_EVENT_RETENTION_DAYS} days ago, except FAILED ones (kept for replay)`,
    async run(db, config, now) {
      const { count } = await db.stripeEvent.deleteMany({
        where: {
          receivedAt: { lt: daysBefore(now, config.STRIPE_EVENT_RETENTION_DAYS) },
          outcome: { in: ["PROCESSED", "IGNORED"] },
        },
      });
      return { deleted: count };
    },
  },
  {
    name: "data-exports",
    rule: (config) =>
      `DataExport archives at expiresAt (status EXPIRED); exports stuck PENDING for 6 hours fail; EXPIRED and FAILED rows go ${config.DATA_EXPORT_RETENTION_DAYS} days after they were requested`,
    run: (db, config, now) => pruneDataExports({ db, now, retentionDays: config.DATA_EXPORT_RETENTION_DAYS }),
  },
];

/** Runs every retention rule. Each runs even if an earlier one failed; then the first failure is thrown. */
export async function pruneExpiredRecords(
  config: JobsConfig,
  options: { now?: Date; db?: PrismaClient } = {},
): Promise<Record<string, Record<string, number>>> {
  const db = options.db ?? getDb();
  const now = options.now ?? new Date();
  const results: Record<string, Record<string, number>> = {};
  const failures: unknown[] = [];
  for (const rule of RETENTION_RULES) {
    try {
      results[rule.name] = await rule.run(db, config, now);
    } catch (error) {
      logger.error({ err: error, rule: rule.name }, "retention rule failed");
      failures.push(error);
    }
  }
  logger.info({ results }, "expired records pruned");
  if (failures.length > 0) throw failures[0];
  return results;
}
