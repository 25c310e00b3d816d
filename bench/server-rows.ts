// Shipshape's side of issue 18's server rows, measured the way the issue measured them, in one command:
//
//   npx tsx --conditions=react-server bench/server-rows.ts [--build=turbopack,webpack] [--skip-build]
//                                                            [--skip-serve] [--skip-dev] [--seconds=10]
//
// - install: packages under node_modules (each folder with a package.json where npm puts packages) and
//   the folder's size (du).
// - build: `next build` wall time, CPU (user + system of the build and its children) and peak RSS of its
//   largest process, from /usr/bin/time -v, under the shared build lock (/tmp/shipshape-build.lock) so no
//   other helper's build runs meanwhile. Each builder named in --build (Turbopack is Next 16's default;
//   webpack is `next build --webpack`); the LAST one built stays in .next for the serve step.
// - serve: `next start` (production, SENTRY_DSN unset) on a fresh PostgreSQL database with the demo data
//   and real Redis for the rate limits. wrk at 10 connections on three routes: the landing page `/`,
//   the signed-in organization dashboard `/acme`, and the JSON API that reads the database,
//   GET /api/orgs/acme/projects. Requests cycle through 60 members' session cookies and 60 client
//   addresses (TRUSTED_PROXY_COUNT=1, X-Forwarded-For), so the per-user (300/min) and per-IP (600/min)
//   limits are counted on every request but never refuse one: every answer must be a 200, and any
//   other status is printed. Then the server's resident memory (its whole process tree) after the load.
// - dev: `npm run dev` (scripts/dev.ts) with a fresh .next/dev, to the first 200 of `/`: with the
//   embedded database reusing .data/pglite, with no .data/pglite at all (a fresh clone), and with
//   DATABASE_URL set.
//
// Needs PostgreSQL (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres), Redis
// (REDIS_URL, default redis://127.0.0.1:6379) and /usr/bin/wrk. Ports BENCH_PORT (default 3451) and
// the next one. Prints a table; asserts nothing. The peer's figures are in bench/README.md.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { admin, SERVER_URL } from "./support/server-database";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const NEXT_BIN = path.join(REPO_ROOT, "node_modules", "next", "dist", "bin", "next");
const TSX_CLI = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const BUILD_LOCK = "/tmp/shipshape-build.lock";
const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";
const PORT = Number(process.env.BENCH_PORT ?? 3451);
const DEV_PORT = PORT + 1;
const MEMBERS = 60;
const CONNECTIONS = 10;

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const option = (name: string) => argv.find((arg) => arg.startsWith(`--${name}=`))?.split("=")[1];
const SECONDS = Number(option("seconds") ?? 10);
const BUILDERS = (option("build") ?? "turbopack").split(",") as ("turbopack" | "webpack")[];
// --dev-script=<path>: another version of scripts/dev.ts to time (an A/B of a change to it).
const DEV_SCRIPT = option("dev-script") ?? "scripts/dev.ts";

const rows: [string, string][] = [];
const row = (metric: string, value: string) => {
  rows.push([metric, value]);
  console.log(`  ${metric}: ${value}`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------- install

function countPackages(dir: string): number {
  let count = 0;
  if (!existsSync(dir)) return 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith("@")) {
      for (const scoped of readdirSync(full, { withFileTypes: true })) {
        if (scoped.isDirectory()) count += countPackage(path.join(full, scoped.name));
      }
    } else {
      count += countPackage(full);
    }
  }
  return count;
}

function countPackage(dir: string): number {
  if (!existsSync(path.join(dir, "package.json"))) return 0;
  return 1 + countPackages(path.join(dir, "node_modules"));
}

function measureInstall(): void {
  const modules = path.join(REPO_ROOT, "node_modules");
  const megabytes = execFileSync("du", ["-sm", modules], { encoding: "utf8" }).split("\t")[0];
  row("packages / node_modules", `${countPackages(modules)} / ${megabytes} MB`);
}

// ------------------------------------------------------------------------------------------------ build

function buildWithTime(builder: "turbopack" | "webpack"): void {
  const report = path.join(os.tmpdir(), `server-rows-time-${process.pid}.txt`);
  const args = [
    BUILD_LOCK,
    "/usr/bin/time",
    "-v",
    "-o",
    report,
    process.execPath,
    NEXT_BIN,
    "build",
    ...(builder === "webpack" ? ["--webpack"] : []),
  ];
  const started = Date.now();
  try {
    execFileSync("flock", args, {
      cwd: REPO_ROOT,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", SENTRY_DSN: "", NEXT_PUBLIC_SENTRY_DSN: "" },
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const failed = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`next build (${builder}) failed:\n${failed.stdout}\n${failed.stderr}`);
  }
  const text = readFileSync(report, "utf8");
  rmSync(report, { force: true });
  const field = (label: string) => text.match(new RegExp(`${label}: (.+)`))?.[1]?.trim() ?? "?";
  const wall = parseWall(field("Elapsed \\(wall clock\\) time \\(h:mm:ss or m:ss\\)"));
  const cpu = Number(field("User time \\(seconds\\)")) + Number(field("System time \\(seconds\\)"));
  const peakMb = Math.round(Number(field("Maximum resident set size \\(kbytes\\)")) / 1024);
  row(
    `next build (${builder})`,
    `${wall.toFixed(1)} s wall, CPU ${cpu.toFixed(1)} s, peak RSS ${peakMb} MB (${((Date.now() - started) / 1000).toFixed(0)} s with the lock wait), load ${os.loadavg()[0]?.toFixed(2)}`,
  );
}

function parseWall(value: string): number {
  return value
    .split(":")
    .map(Number)
    .reduce((total, part) => total * 60 + part, 0);
}

// ------------------------------------------------------------------------------------------------ serve

function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The production environment the server runs with (Sentry off: its cost is measured elsewhere). */
function appEnv(dbUrl: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    DATABASE_URL: dbUrl,
    REDIS_URL,
    APP_URL: `http://127.0.0.1:${port}`,
    AUTH_SECRET: BENCH_AUTH_SECRET,
    AUTH_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
    TRUSTED_PROXY_COUNT: "1",
    // Required in production; nothing measured here sends mail.
    SMTP_URL: "smtp://127.0.0.1:2525",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  delete env.SENTRY_DSN;
  delete env.NEXT_PUBLIC_SENTRY_DSN;
  return env;
}
const BENCH_AUTH_SECRET = randomBytes(32).toString("base64");

/** The demo data, plus MEMBERS members of acme each with a session cookie. */
async function prepareDatabase(dbUrl: string): Promise<string[]> {
  Object.assign(process.env, {
    DATABASE_URL: dbUrl,
    AUTH_SECRET: BENCH_AUTH_SECRET,
    APP_URL: `http://127.0.0.1:${PORT}`,
  });
  const { applyMigrations } = await import("../tools/db/apply-migrations");
  const { createPrismaClient } = await import("../lib/db");
  const { seedDemoData } = await import("../prisma/seed");
  const { readAuthConfig, sessionCookieName, startSession } = await import("../lib/auth");
  const { encode } = await import("next-auth/jwt");
  await applyMigrations({ databaseUrl: dbUrl });
  const db = createPrismaClient({ DATABASE_URL: dbUrl, DATABASE_POOL_MAX: 2 });
  try {
    await seedDemoData(db);
    const org = await db.organization.findUniqueOrThrow({ where: { slug: "acme" } });
    const config = readAuthConfig(process.env);
    const cookies: string[] = [];
    for (let index = 0; index < MEMBERS; index++) {
      const user = await db.user.create({
        data: {
          email: `bench-${index}-${randomBytes(3).toString("hex")}@example.com`,
          name: `Bench member ${index}`,
          emailVerifiedAt: new Date(),
        },
      });
      await db.membership.create({ data: { orgId: org.id, userId: user.id, role: "MEMBER" } });
      const claims = await startSession(db, user.id);
      const token = await encode({
        token: claims,
        secret: config.authSecret,
        maxAge: config.sessionIdleSeconds,
      });
      cookies.push(`${sessionCookieName()}=${token}`);
    }
    return cookies;
  } finally {
    await db.$disconnect();
  }
}

async function waitFor(url: string, timeoutMs: number, child?: ChildProcess): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    try {
      const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(60_000) });
      await response.arrayBuffer();
      if (response.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} answered no 200 within ${timeoutMs} ms`);
}

/** Runs wrk with a script that cycles cookies and client addresses; returns req/s and non-200 count. */
function wrk(
  url: string,
  cookies: string[],
  seconds: number,
): { rps: number; requests: number; errors: string } {
  const script = path.join(os.tmpdir(), `server-rows-${process.pid}.lua`);
  const lines = [
    `local cookies = { ${cookies.map((cookie) => JSON.stringify(cookie)).join(", ")} }`,
    "local counter = 0",
    "local non200 = 0",
    "setup = function(thread) end",
    "init = function(args) counter = math.random(1, #cookies) end",
    "request = function()",
    "  counter = counter + 1",
    "  local index = (counter % #cookies) + 1",
    "  return wrk.format('GET', nil, { ['Cookie'] = cookies[index], ['X-Forwarded-For'] = '198.51.100.' .. index })",
    "end",
    "response = function(status, headers, body)",
    "  if status ~= 200 then non200 = non200 + 1 end",
    "end",
  ];
  writeFileSync(script, lines.join("\n"));
  const output = execFileSync(
    "/usr/bin/wrk",
    ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-s", script, url],
    { encoding: "utf8" },
  );
  rmSync(script, { force: true });
  const rps = Number(output.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? 0);
  const requests = Number(output.match(/(\d+) requests in/)?.[1] ?? 0);
  const non2xx = output.match(/Non-2xx or 3xx responses: (\d+)/)?.[1];
  const p99 = output.match(/99%\s+(\S+)/)?.[1] ?? "?";
  return { rps, requests, errors: `${non2xx ? `${non2xx} non-2xx, ` : ""}p99 ${p99}` };
}

/** The pids of a process and its descendants, and their resident memory. */
function processTree(pid: number): { pids: Set<number>; rssKb: number } {
  const table = execFileSync("ps", ["-eo", "pid=,ppid=,rss="], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number, number]);
  const members = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [child, parent] of table) {
      if (members.has(parent) && !members.has(child)) {
        members.add(child);
        grew = true;
      }
    }
  }
  const rssKb = table.filter(([child]) => members.has(child)).reduce((sum, [, , rss]) => sum + rss, 0);
  return { pids: members, rssKb };
}

/** Resident memory of a process and its descendants, in MB. */
function treeRssMb(pid: number): number {
  return Math.round(processTree(pid).rssKb / 1024);
}

/**
 * CPU time (user + system, ms) a process and its descendants have used. Divided by the requests it
 * served, it is the server's cost per request, which other work on the machine changes far less
 * than req/s: a wrk run on a busy machine gets fewer requests through, each costing about the same.
 */
function treeCpuMs(pid: number): number {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let ticks = 0;
  for (const member of processTree(pid).pids) {
    try {
      const stat = readFileSync(`/proc/${member}/stat`, "utf8");
      // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited meanwhile
    }
  }
  return (ticks * 1000) / ticksPerSecond;
}

async function measureServe(): Promise<void> {
  const name = `shipshape_bench_rows_${PORT}`;
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  const dbUrl = databaseUrl(name);
  const cookies = await prepareDatabase(dbUrl);
  // BENCH_SERVER_NODE_OPTIONS: e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS?.split(" ").filter(Boolean) ?? [];
  const server = spawn(
    process.execPath,
    [...nodeOptions, NEXT_BIN, "start", "-H", "127.0.0.1", "-p", String(PORT)],
    {
      cwd: REPO_ROOT,
      env: appEnv(dbUrl, PORT),
      stdio: ["ignore", "ignore", "inherit"],
    },
  );
  try {
    const base = `http://127.0.0.1:${PORT}`;
    await waitFor(`${base}/api/health`, 60_000, server);
    const allRoutes = [
      // The reference: no session, no database, no page; what the rest costs shows against it.
      ["GET /api/health (reference)", `${base}/api/health`],
      ["landing page /", `${base}/`],
      ["signed-in page /acme", `${base}/acme`],
      ["JSON API GET /api/orgs/acme/projects", `${base}/api/orgs/acme/projects`],
    ] as const;
    // --only=<text>: just the routes whose label holds it (to profile one route).
    const only = option("only");
    const routes = allRoutes.filter(([label]) => !only || label.includes(only));
    // Warm-up: every route compiled and cached as under steady traffic.
    for (const [, url] of routes) wrk(url, cookies, 3);
    const results = new Map<string, { rps: number[]; cpuMsPerRequest: number[] }>();
    const notes = new Map<string, string>();
    // Two rounds, interleaved, so a burst of load elsewhere on the machine hits every route alike.
    for (let round = 0; round < 2; round++) {
      for (const [label, url] of routes) {
        const cpuBefore = treeCpuMs(server.pid as number);
        const { rps, requests, errors } = wrk(url, cookies, SECONDS);
        const cpuMs = treeCpuMs(server.pid as number) - cpuBefore;
        const result = results.get(label) ?? { rps: [], cpuMsPerRequest: [] };
        result.rps.push(rps);
        result.cpuMsPerRequest.push(cpuMs / Math.max(requests, 1));
        results.set(label, result);
        notes.set(label, errors);
      }
    }
    for (const [label] of routes) {
      const { rps, cpuMsPerRequest } = results.get(label) ?? { rps: [], cpuMsPerRequest: [] };
      const rpsText = rps.map((value) => value.toFixed(0)).join(", ");
      const cpuText = cpuMsPerRequest.map((value) => value.toFixed(2)).join(", ");
      row(
        `${label}, req/s (c=${CONNECTIONS})`,
        `${rpsText}; server CPU ${cpuText} ms/request (${notes.get(label)}), load ${os.loadavg()[0]?.toFixed(1)}`,
      );
    }
    row("server RSS after load", `${treeRssMb(server.pid as number)} MB (next start and its children)`);
  } finally {
    server.kill("SIGTERM");
    await new Promise((resolve) => server.once("exit", resolve));
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

// -------------------------------------------------------------------------------------------------- dev

async function devFirstPage(label: string, env: NodeJS.ProcessEnv): Promise<void> {
  rmSync(path.join(REPO_ROOT, ".next", "dev"), { recursive: true, force: true });
  const started = Date.now();
  const dev = spawn(
    process.execPath,
    [TSX_CLI, "--conditions=react-server", DEV_SCRIPT, "--port", String(DEV_PORT)],
    {
      cwd: REPO_ROOT,
      env,
      stdio: ["ignore", "ignore", "inherit"],
      detached: true,
    },
  );
  try {
    await waitFor(`http://localhost:${DEV_PORT}/`, 180_000, dev);
    row(
      `npm run dev → first 200 of / (${label}${DEV_SCRIPT === "scripts/dev.ts" ? "" : `, ${DEV_SCRIPT}`})`,
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    // Its own process group: Next, the worker and the database stop together.
    process.kill(-(dev.pid as number), "SIGINT");
    await new Promise((resolve) => dev.once("exit", resolve));
  }
}

async function measureDev(): Promise<void> {
  const base: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  delete base.DATABASE_URL;
  (base as Record<string, string | undefined>).NODE_ENV = undefined;
  const dataDir = path.join(REPO_ROOT, ".data", "pglite");
  rmSync(dataDir, { recursive: true, force: true });
  await devFirstPage("embedded database, fresh clone: no .data/pglite", base);
  await devFirstPage("embedded database, reusing .data/pglite", base);
  const name = `shipshape_bench_dev_${DEV_PORT}`;
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin(`CREATE DATABASE "${name}"`);
  try {
    const { applyMigrations } = await import("../tools/db/apply-migrations");
    await applyMigrations({ databaseUrl: databaseUrl(name) });
    await devFirstPage("DATABASE_URL", { ...base, DATABASE_URL: databaseUrl(name) });
  } finally {
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

// ------------------------------------------------------------------------------------------------- main

console.log(`server rows, ${new Date().toISOString()}, ${os.cpus().length} cores, Node ${process.version}`);
measureInstall();
if (!flag("skip-build")) for (const builder of BUILDERS) buildWithTime(builder);
if (!flag("skip-serve")) await measureServe();
if (!flag("skip-dev")) await measureDev();
console.log(
  `\n| metric | Shipshape |\n|---|---|\n${rows.map(([metric, value]) => `| ${metric} | ${value} |`).join("\n")}`,
);
process.exit(0);
