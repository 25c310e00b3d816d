// `npm run doctor [-- --url https://app.example.com] [--json]`: the go/no-go checklist against this
// deployment's configuration (the environment and the .env files, read as production reads them),
// its build (.next), its database, Redis and backups, and optionally a running URL. Prints one line
// per check (PASS, WARN or FAIL, the reason, and a fix) and the verdict.
//
// Exit codes: 0 no FAIL (GO), 1 at least one FAIL (NO-GO), 2 the doctor could not run.

import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, promisify } from "node:util";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { type EndpointProblem, exitCodeOf, formatReport, runDoctor } from "../lib/doctor";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The route-coverage test's scan (tools/route-coverage.ts), run in a child process: importing every
 * route needs plain React and `server-only` resolved to its empty module, unlike this process.
 */
async function scanEndpoints(root: string): Promise<EndpointProblem[]> {
  const { stdout } = await promisify(execFile)(
    path.join(ROOT, "node_modules", ".bin", "tsx"),
    ["--import", "./tools/server-only-hook.mjs", "tools/route-coverage-cli.ts", root],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: "silent" } },
  );
  const json = stdout.trim().split("\n").at(-1) ?? "[]";
  return JSON.parse(json) as EndpointProblem[];
}

async function main(): Promise<number> {
  let values: { url?: string; json?: boolean };
  try {
    ({ values } = parseArgs({ options: { url: { type: "string" }, json: { type: "boolean" } } }));
  } catch (error) {
    console.error(`${(error as Error).message}. Usage: npm run doctor [-- --url https://your.app] [--json]`);
    return 2;
  }
  if (values.url !== undefined && !/^https?:\/\//.test(values.url)) {
    console.error(`--url must start with https:// (or http://), got ${JSON.stringify(values.url)}.`);
    return 2;
  }
  // Production's files: .env.production.local, .env.local, .env.production, .env. Real variables win.
  nextEnv.loadEnvConfig(ROOT, false, { info: () => {}, error: console.error });
  const results = await runDoctor({ env: process.env, root: ROOT, url: values.url, scanEndpoints });
  console.log(values.json ? JSON.stringify(results, null, 2) : formatReport(results));
  return exitCodeOf(results);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`doctor could not run: ${(error as Error)?.stack ?? error}`);
    process.exit(2);
  },
);
