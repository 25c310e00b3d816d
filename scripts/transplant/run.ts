// The transplant test (issue 17): does a module really copy out of Shipshape into somebody else's app?
//
// 1. Copies templates/bare-next-app (a create-next-app 16 app with Prisma 7 on PostgreSQL) to a temp
//    folder and installs it from the npm cache (`--prefer-offline`, the repo's exact versions).
// 2. Applies, module by module, the `transplant` blocks of docs/MODULES.md: nothing else, so the guide
//    is what is tested. Counts the lines each module adds to the prototype's own files (code, env,
//    schema, and the commands that apply SQL), and the modules it drags along.
// 3. `next build`, `next start` on 127.0.0.1:3420 (TRANSPLANT_PORT; the SMTP catcher on
//    TRANSPLANT_SMTP_PORT, 3421), and one request per module through the wiring:
//    ratelimit answers 429 past its limit; mail reaches an SMTP catcher; an audited change writes an
//    event whose hash chain verifies; authz + http answer 200 to a member reading their organization's
//    note, the same 404 for another organization's note as for a missing one, and 429 past the limit.
// 4. Prints the table (module | wiring lines | modules dragged in | lines dragged in) and fails when
//    ratelimit, audit or mail need more than MAX_WIRING_LINES.
//
// Needs PostgreSQL (DATABASE_ADMIN_URL or TEST_DATABASE_URL, default postgres@127.0.0.1:5432) and
// Redis (REDIS_URL, default 127.0.0.1:6379). Creates the database transplant_<pid> and drops it after.
// Run: `npm run transplant` (TRANSPLANT_KEEP=1 keeps the temp app for a look;
// TRANSPLANT_BUILD_LOCK=/tmp/x.lock wraps `next build` in flock on a shared machine).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { type SmtpCatcher, startSmtpCatcher } from "../../tests/support/smtp-catcher";
import { CHECK_FILES, checkAuditEvent, checkMail, checkOrgScopedRead, checkRateLimit } from "./checks";
import { measureDraggedIn } from "./dragged-in";
import {
  addedLines,
  countedCommandLines,
  meaningfulLines,
  parseWiringBlocks,
  type WiringBlock,
} from "./wiring";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TEMPLATE = path.join(REPO_ROOT, "templates", "bare-next-app");
const GUIDE = path.join(REPO_ROOT, "docs", "MODULES.md");

/** The bar: copying one of these must not take more than this many lines of one's own files. */
export const MAX_WIRING_LINES = 10;
/**
 * Modules in the order they are wired; the gated ones are held to MAX_WIRING_LINES. "authz+http" is
 * one step of the guide (lib/http's route() is how lib/authz is used) and has no bar in issue 17;
 * the app writes its own lib/http/identity.ts, so Shipshape's (which reads lib/auth) is not measured.
 */
const MODULES: readonly { name: string; gated: boolean; replaced?: readonly string[] }[] = [
  { name: "ratelimit", gated: true },
  { name: "mail", gated: true },
  { name: "audit", gated: true },
  { name: "authz+http", gated: false, replaced: ["lib/http/identity.ts"] },
];

const APP_PORT = Number(process.env.TRANSPLANT_PORT ?? 3420);
const SMTP_PORT = Number(process.env.TRANSPLANT_SMTP_PORT ?? 3421);
/** The prototype's session cookie key (lib/http/identity.ts of the guide); the test signs its own user's cookie. */
const SESSION_SECRET = randomBytes(32).toString("hex");
const ADMIN_URL =
  process.env.DATABASE_ADMIN_URL ??
  process.env.TEST_DATABASE_URL ??
  "postgresql://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

/** Paths of the prototype that are not its own lines: installed, generated or copied from Shipshape. */
const NOT_OWN =
  /^(node_modules|\.next|lib|tools|prisma\/migrations)(\/|$)|(^|\/)generated\/|\.tsbuildinfo$|^next-env\.d\.ts$|^package-lock\.json$/;

function log(message: string): void {
  console.log(`[transplant] ${message}`);
}

/** Runs a command in the app folder, streaming its output; rejects on a non-zero exit. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}`)),
    );
  });
}

/** Texts of Shipshape's lib/ files by name: a file of the app equal to one of them is a copy, not wiring. */
function shipshapeModuleFiles(): Map<string, Set<string>> {
  const byName = new Map<string, Set<string>>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "generated") walk(full);
      } else if (entry.isFile()) {
        const texts = byName.get(entry.name) ?? new Set<string>();
        byName.set(entry.name, texts.add(readFileSync(full, "utf8")));
      }
    }
  };
  walk(path.join(REPO_ROOT, "lib"));
  return byName;
}

/**
 * The prototype's own files and their text: not installed, generated or copied from Shipshape
 * (a module's `audit.prisma` placed in prisma/ is still the module's), package.json without the
 * dependency lists npm writes.
 */
function ownFiles(appDir: string, copies = shipshapeModuleFiles()): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(appDir, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (NOT_OWN.test(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        const text = readFileSync(path.join(appDir, child), "utf8");
        if (!copies.get(entry.name)?.has(text)) files.set(child, ownText(child, text));
      }
    }
  };
  walk("");
  return files;
}

function ownText(file: string, text: string): string {
  if (file !== "package.json") return text;
  const { dependencies: _d, devDependencies: _dd, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return JSON.stringify(rest, null, 2);
}

/** Lines the prototype's own files gained between two snapshots. */
function gainedLines(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].flatMap(([file, text]) =>
    addedLines(before.get(file) ?? "", text).map((line) => `${file}: ${line}`),
  );
}

/** Applies one block of the guide to the app; returns the wiring lines it added. */
async function applyBlock(block: WiringBlock, appDir: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const before = ownFiles(appDir);
  if (block.kind === "sh") {
    await run("bash", ["-euo", "pipefail", "-c", block.text], { cwd: appDir, env });
  } else {
    const target = path.join(appDir, block.file as string);
    const previous = existsSync(target) ? readFileSync(target, "utf8") : "";
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, block.append ? previous + block.text : block.text);
  }
  const commands = block.kind === "sh" ? countedCommandLines(block.text).map((line) => `$ ${line}`) : [];
  // A file inside a copied module (lib/env/modules.ts) is not the app's own, but the lines the guide
  // has you write there are wiring all the same.
  const written =
    block.kind === "file" && NOT_OWN.test(block.file as string)
      ? meaningfulLines(block.text).map((line) => `${block.file}: ${line}`)
      : [];
  return [...commands, ...written, ...gainedLines(before, ownFiles(appDir))];
}

async function waitForServer(url: string, server: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 120; attempt++) {
    if (server.exitCode !== null) throw new Error(`next start exited with ${server.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${url} did not answer within 30 s`);
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

interface Row {
  module: string;
  /** null: not transplanted, so not measured. */
  wiring: string[] | null;
  dragged: string[];
  draggedLines: number;
  gated: boolean;
}

function printTable(rows: Row[]): void {
  console.log("\n| module | wiring lines | modules dragged in | lines dragged in |\n|---|---|---|---|");
  for (const row of rows) {
    console.log(
      `| ${row.module} | ${row.wiring?.length ?? "not measured"} | ${row.dragged.join(", ") || "—"} | ${row.draggedLines} |`,
    );
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const blocks = parseWiringBlocks(readFileSync(GUIDE, "utf8"));
  const unknown = blocks.flatMap((block) => block.modules).filter((m) => !MODULES.some((k) => k.name === m));
  assert(unknown.length === 0, `docs/MODULES.md names modules the test doesn't know: ${unknown.join(", ")}`);

  const appDir = mkdtempSync(path.join(os.tmpdir(), "shipshape-transplant-"));
  const database = `transplant_${process.pid}`;
  const databaseUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${database}` }).toString();
  const redisPrefix = `transplant-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SHIPSHAPE: REPO_ROOT,
    NEXT_TELEMETRY_DISABLED: "1",
    // The guide's `npm install` lines, answered from the npm cache when it has the package.
    npm_config_prefer_offline: "true",
    // The test's own values win over the guide's .env lines (Next and the Prisma bridge read both).
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    RATE_LIMIT_PREFIX: redisPrefix,
    SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
    SESSION_SECRET,
  };
  for (const name of ["NODE_ENV", "TEST_DATABASE_URL", "DATABASE_ADMIN_URL", "npm_config_prefix"])
    delete env[name];

  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${database}"`);
  const smtp = await startSmtpCatcher({ port: SMTP_PORT });
  let server: ChildProcess | undefined;
  let failed = false;
  const rows: Row[] = [];
  try {
    log(`app in ${appDir}, database ${database}`);
    cpSync(TEMPLATE, appDir, { recursive: true });
    cpSync(path.join(TEMPLATE, "env"), path.join(appDir, ".env"));
    // Shipshape's own lockfile: npm keeps the versions it locks (the ones the repository is tested
    // with) for every package the app ends up needing, prunes the rest, and needs no resolving.
    cpSync(path.join(REPO_ROOT, "package-lock.json"), path.join(appDir, "package-lock.json"));
    rmSync(path.join(appDir, "env"));
    const installStarted = Date.now();
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: appDir,
      env,
    });
    log(`bare app installed in ${Math.round((Date.now() - installStarted) / 1000)} s`);

    const applied = new Map<WiringBlock, string[]>();
    for (const module of MODULES) {
      const wiring: string[] = [];
      for (const block of blocks.filter((b) => b.modules.includes(module.name))) {
        if (!applied.has(block)) {
          log(`${module.name}: docs/MODULES.md block at line ${block.line}`);
          applied.set(block, await applyBlock(block, appDir, env));
        }
        wiring.push(...(applied.get(block) ?? []));
      }
      const dragged = measureDraggedIn(REPO_ROOT, module.name.split("+"), module.replaced);
      rows.push({
        module: module.name,
        wiring,
        dragged: dragged.modules,
        draggedLines: dragged.lines,
        gated: module.gated,
      });
    }

    // The checks' own routes: test scaffolding, written after counting so they are not wiring.
    for (const [file, text] of Object.entries(CHECK_FILES)) {
      mkdirSync(path.dirname(path.join(appDir, file)), { recursive: true });
      writeFileSync(path.join(appDir, file), text);
    }

    const buildStarted = Date.now();
    const next = path.join(appDir, "node_modules", ".bin", "next");
    const lock = process.env.TRANSPLANT_BUILD_LOCK;
    await (lock
      ? run("flock", [lock, next, "build"], { cwd: appDir, env })
      : run(next, ["build"], { cwd: appDir, env }));
    log(`next build took ${Math.round((Date.now() - buildStarted) / 1000)} s`);

    server = spawn(next, ["start", "-H", "127.0.0.1", "-p", String(APP_PORT)], {
      cwd: appDir,
      env,
      stdio: "inherit",
    });
    const base = `http://127.0.0.1:${APP_PORT}`;
    await waitForServer(`${base}/`, server);
    await checkModules(base, smtp, databaseUrl);
    log("every wired route answered as the module promises");
  } catch (error) {
    failed = true;
    console.error(`[transplant] FAILED: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    server?.kill("SIGTERM");
    await smtp.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    const keys = await redis.keys(`${redisPrefix}*`).catch(() => []);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    if (process.env.TRANSPLANT_KEEP === "1") log(`kept ${appDir}`);
    else rmSync(appDir, { recursive: true, force: true });
  }

  for (const row of rows) {
    console.log(`\n${row.module}: ${row.wiring?.length} wiring lines`);
    for (const line of row.wiring ?? []) console.log(`  ${line}`);
  }
  // For comparison, not built: authz + http with Shipshape's own lib/http/identity.ts, which reads
  // lib/auth and so brings auth, jobs, mail and the rest along.
  const http = measureDraggedIn(REPO_ROOT, ["authz", "http"]);
  printTable([
    ...rows,
    {
      module: "authz+http with Shipshape's identity.ts (lib/auth; not built)",
      wiring: null,
      dragged: http.modules,
      draggedLines: http.lines,
      gated: false,
    },
  ]);
  const over = rows.filter((row) => row.gated && (row.wiring?.length ?? 0) > MAX_WIRING_LINES);
  for (const row of over)
    console.error(
      `[transplant] ${row.module} needs ${row.wiring?.length} wiring lines (> ${MAX_WIRING_LINES})`,
    );
  log(`took ${Math.round((Date.now() - started) / 1000)} s`);
  if (failed || over.length > 0 || rows.length < MODULES.length) process.exit(1);
}

/** One request per module through the wiring the guide showed. */
async function checkModules(base: string, smtp: SmtpCatcher, databaseUrl: string): Promise<void> {
  await checkRateLimit(base);
  await checkMail(base, smtp);
  await checkAuditEvent(base);
  await checkOrgScopedRead(base, databaseUrl, SESSION_SECRET);
}

await main();
