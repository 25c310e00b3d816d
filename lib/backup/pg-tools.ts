// Finding and running pg_dump and pg_restore.
//
// Version rule: pg_dump refuses to dump a server of a newer major version than its own, and pg_restore
// cannot read an archive written by a newer pg_dump. So the tool must be at least as new as the server
// (pg_dump) or the archive (pg_restore). The one on PATH is used when it is new enough; otherwise the
// newest new-enough one in the Debian/Ubuntu (/usr/lib/postgresql/<major>/bin) or RHEL
// (/usr/pgsql-<major>/bin) layout; BACKUP_PG_BIN_DIR overrides the search.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { BackupError } from "./errors";

export type PgToolName = "pg_dump" | "pg_restore";

export interface PgTool {
  path: string;
  /** `pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)` */
  version: string;
  major: number;
}

/** The major version in a tool's `--version` line: "pg_dump (PostgreSQL) 15.20 (Debian …)" → 15. */
export function toolMajorVersion(versionLine: string): number | undefined {
  const major = /\(PostgreSQL\)\s+(\d+)/.exec(versionLine)?.[1];
  return major === undefined ? undefined : Number(major);
}

async function probe(toolPath: string): Promise<PgTool | undefined> {
  try {
    const { stdout } = await promisify(execFile)(toolPath, ["--version"], { timeout: 10_000 });
    const version = stdout.trim();
    const major = toolMajorVersion(version);
    return major === undefined ? undefined : { path: toolPath, version, major };
  } catch {
    return undefined;
  }
}

function packagedCandidates(name: PgToolName): string[] {
  const layouts = [
    {
      root: "/usr/lib/postgresql",
      bin: (major: string) => path.join("/usr/lib/postgresql", major, "bin", name),
    },
    { root: "/usr", bin: (major: string) => path.join("/usr", `pgsql-${major}`, "bin", name) },
  ];
  const found: { major: number; path: string }[] = [];
  for (const layout of layouts) {
    if (!existsSync(layout.root)) continue;
    for (const entry of readdirSync(layout.root)) {
      const major = /^(?:pgsql-)?(\d+)$/.exec(entry)?.[1];
      if (major && existsSync(layout.bin(major)))
        found.push({ major: Number(major), path: layout.bin(major) });
    }
  }
  return found.sort((a, b) => b.major - a.major).map((candidate) => candidate.path);
}

/**
 * The pg_dump or pg_restore to use for major version `minMajor` (the server's, or the archive's).
 * Throws a BackupError saying what to install when none is new enough.
 */
export async function findPgTool(name: PgToolName, minMajor: number, binDir?: string): Promise<PgTool> {
  const candidates = binDir ? [path.join(binDir, name)] : [name, ...packagedCandidates(name)];
  const probed: PgTool[] = [];
  for (const candidate of candidates) {
    const tool = await probe(candidate);
    if (!tool) continue;
    if (tool.major >= minMajor) return tool;
    probed.push(tool);
  }
  const where = binDir ? `in BACKUP_PG_BIN_DIR (${binDir})` : "on PATH or in /usr/lib/postgresql/*/bin";
  const what =
    name === "pg_dump"
      ? `dump a PostgreSQL ${minMajor} server`
      : `read an archive written by pg_dump ${minMajor}`;
  // /usr/bin/pg_dump is often Debian's wrapper around /usr/lib/postgresql/<major>/bin/pg_dump: name
  // each version once.
  const versions = [...new Set(probed.map((tool) => tool.version))];
  const seen = versions.length > 0 ? `Found only ${versions.join(", ")}. ` : `No ${name} ${where}. `;
  throw new BackupError(
    "tool",
    `${seen}${name} must be version ${minMajor} or newer to ${what}. Install the PostgreSQL ${minMajor} ` +
      `client tools (Debian/Ubuntu: apt-get install postgresql-client-${minMajor}) or set BACKUP_PG_BIN_DIR ` +
      "to the folder that holds them.",
  );
}

// Query parameters that Prisma or node-postgres read but libpq does not know: libpq refuses a URL
// containing any of them ("invalid URI query parameter"), so they are left out of what the tools get.
const NON_LIBPQ_PARAMETERS = [
  "schema",
  "connection_limit",
  "pool_timeout",
  "pgbouncer",
  "statement_cache_size",
  "socket_timeout",
  "sslaccept",
  "uselibpqcompat",
];

/**
 * The `--dbname` value and environment for a libpq tool. The password travels in PGPASSWORD rather
 * than on the command line, where any user of the machine could read it in the process list.
 */
export function libpqConnection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  for (const name of NON_LIBPQ_PARAMETERS) parsed.searchParams.delete(name);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { dbname: parsed.toString(), env };
}

export interface RunningTool {
  child: ChildProcess;
  /** Resolves when the tool exits with 0; rejects with a BackupError quoting its stderr otherwise. */
  exited: Promise<void>;
}

// Enough of stderr to explain a failure, without holding megabytes of warnings.
const STDERR_LIMIT = 16 * 1024;

/** Starts a tool with stdin/stdout as pipes. Its stderr is kept for the error message. */
export function startTool(tool: PgTool, args: string[], env: NodeJS.ProcessEnv): RunningTool {
  const child = spawn(tool.path, args, { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text;
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new BackupError("tool", `could not start ${tool.path}: ${error.message}`)),
    );
    child.once("close", (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`;
      const name = path.basename(tool.path);
      reject(new BackupError("tool", `${name} ${how}${stderr ? `:\n${stderr.trim()}` : "."}`));
    });
  });
  // The caller awaits `exited` after its streams; until then, a rejection must not count as unhandled.
  exited.catch(() => {});
  return { child, exited };
}
