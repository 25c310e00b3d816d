import type { PrismaClient } from "../db";

export type CheckStatus = "pass" | "warn" | "fail";

/** What one check concluded: a status, one line of reason, and for anything but a pass, one line of fix. */
export interface Finding {
  status: CheckStatus;
  reason: string;
  fix?: string;
}

/** An endpoint the route-coverage scan found (tools/route-coverage.ts), reduced to what the doctor reports. */
export interface EndpointProblem {
  file: string;
  exportName: string;
  problem: string | null;
}

/** What the checks look at: the deployment's configuration, its build, and its running services. */
export interface DoctorContext {
  /** The environment the deployment runs with (secrets included: only names are ever printed). */
  env: Record<string, string | undefined>;
  /** The project: app/, docs/, prisma/, scripts/. */
  root: string;
  /** The Next.js build output (default `<root>/.next`). */
  nextDir: string;
  /** Files served as they are (default `<root>/public`). */
  publicDir: string;
  /** A running deployment to probe (headers, /api/ready). */
  url?: string;
  now: Date;
  fetch: typeof fetch;
  /** The route-coverage scan; reused from tools/route-coverage.ts (scripts/doctor.ts passes it). */
  scanEndpoints?: (root: string) => Promise<EndpointProblem[]>;
  /** A client on env.DATABASE_URL, opened on first use; runDoctor closes it. */
  db(): PrismaClient;
}

export interface Check {
  /** Stable id, such as "backups.recent". */
  id: string;
  /** What a PASS means, in a few words (the report's second column). */
  title: string;
  run(ctx: DoctorContext): Promise<Finding>;
}

export interface CheckResult extends Finding {
  id: string;
  title: string;
}
