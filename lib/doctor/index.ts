import "server-only";
import path from "node:path";
import { createPrismaClient, type PrismaClient } from "../db";
import {
  billingConfigured,
  envValidForProduction,
  noTestKeys,
  permissionsDocCurrent,
  readinessWired,
  routesWrapped,
  secretsInBrowserFiles,
  sentryConfigured,
  sharedRateLimitStore,
} from "./checks-config";
import {
  adminsHaveMfa,
  auditChainsIntact,
  backupEncryption,
  backupFormat,
  migrationsApplied,
  noDrift,
  offsiteBackups,
  recentBackup,
  recentDrill,
  securityHeaders,
  workerRunning,
} from "./checks-live";
import type { Check, CheckResult, DoctorContext, EndpointProblem } from "./types";

// The go/no-go checklist (`npm run doctor`): each check looks at the real configuration, build and
// services of a deployment and says PASS, WARN or FAIL in one line, with a one-line fix.

export { BACKUP_MAX_AGE_MS, DRILL_MAX_AGE_MS, WORKER_SILENCE_MS } from "./checks-live";
export type { Check, CheckResult, CheckStatus, DoctorContext, EndpointProblem, Finding } from "./types";

/** Every check, in the order of the report. */
export const CHECKS: Check[] = [
  secretsInBrowserFiles,
  envValidForProduction,
  noTestKeys,
  routesWrapped,
  permissionsDocCurrent,
  sharedRateLimitStore,
  sentryConfigured,
  readinessWired,
  recentBackup,
  backupEncryption,
  backupFormat,
  recentDrill,
  offsiteBackups,
  migrationsApplied,
  noDrift,
  auditChainsIntact,
  adminsHaveMfa,
  billingConfigured,
  workerRunning,
  securityHeaders,
];

export interface DoctorOptions {
  env: Record<string, string | undefined>;
  root: string;
  nextDir?: string;
  publicDir?: string;
  url?: string;
  now?: Date;
  fetch?: typeof fetch;
  scanEndpoints?: (root: string) => Promise<EndpointProblem[]>;
}

/**
 * Runs `checks` one after the other (they share one database client) and returns a result per check.
 * A check that throws is a FAIL naming the error: the doctor itself never stops half-way.
 */
export async function runDoctor(options: DoctorOptions, checks: Check[] = CHECKS): Promise<CheckResult[]> {
  let client: PrismaClient | undefined;
  const ctx: DoctorContext = {
    env: options.env,
    root: options.root,
    nextDir: options.nextDir ?? path.join(options.root, ".next"),
    publicDir: options.publicDir ?? path.join(options.root, "public"),
    url: options.url,
    now: options.now ?? new Date(),
    fetch: options.fetch ?? fetch,
    scanEndpoints: options.scanEndpoints,
    db() {
      client ??= createPrismaClient({ DATABASE_URL: options.env.DATABASE_URL ?? "", DATABASE_POOL_MAX: 2 });
      return client;
    },
  };
  const results: CheckResult[] = [];
  try {
    for (const check of checks) {
      try {
        results.push({ id: check.id, title: check.title, ...(await check.run(ctx)) });
      } catch (error) {
        results.push({
          id: check.id,
          title: check.title,
          status: "fail",
          reason: `the check could not run: ${firstLine(error)}`,
          fix: "Fix what the error names (often: the database or Redis is unreachable), then run the doctor again.",
        });
      }
    }
  } finally {
    await client?.$disconnect();
  }
  return results;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .trim()
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "unknown error"
  );
}

/** The report: one line per check (status, id, reason), its fix beneath, then the verdict. */
export function formatReport(results: CheckResult[]): string {
  const width = Math.max(...results.map((result) => result.id.length));
  const lines = results.flatMap((result) => {
    const line = `${result.status.toUpperCase().padEnd(4)}  ${result.id.padEnd(width)}  ${result.reason}`;
    return result.status === "pass" || !result.fix
      ? [line]
      : [line, `${" ".repeat(width + 8)}fix: ${result.fix}`];
  });
  const count = (status: CheckResult["status"]) =>
    results.filter((result) => result.status === status).length;
  const verdict = count("fail") > 0 ? "NO-GO" : "GO";
  lines.push("", `${verdict}: ${count("pass")} pass, ${count("warn")} warn, ${count("fail")} fail`);
  return lines.join("\n");
}

/** Exit code for the CLI: 1 when any check failed. */
export function exitCodeOf(results: CheckResult[]): number {
  return results.some((result) => result.status === "fail") ? 1 : 0;
}
