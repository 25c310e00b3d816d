// `npm start [-- <next start options>]`: serves the production build, after checking the environment.
//
// Next.js prints "Ready" the moment it listens, before it loads instrumentation.ts (where the server
// checks its environment): a bad environment looked like a successful start, then an exit. Here the
// environment is checked first, as `next start` will see it (the same .env files, NODE_ENV
// production unless set), and a refusal is all that is printed. Then `next start` runs with the
// arguments, in this process's place as far as signals and the exit code go.

import { spawn } from "node:child_process";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { serverEnvRefusal } from "../lib/env/preflight";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
const NEXT_BIN = path.join(REPO_ROOT, "node_modules", "next", "dist", "bin", "next");

// Next gets the environment as it was, and loads the .env files itself.
const inheritedEnv = { ...process.env };
// Next.js types NODE_ENV read-only; `next start` defaults it the same way.
Object.assign(process.env, { NODE_ENV: process.env.NODE_ENV ?? "production" });
nextEnv.loadEnvConfig(REPO_ROOT, false, { info: () => {}, error: console.error });
const refusal = serverEnvRefusal(process.env);
if (refusal) {
  console.error(`\n${refusal}\n`);
  process.exit(1);
}

const next = spawn(process.execPath, [NEXT_BIN, "start", ...process.argv.slice(2)], {
  cwd: REPO_ROOT,
  env: inheritedEnv,
  stdio: "inherit",
});
// A container stop (SIGTERM) or Ctrl-C reaches Next, which shuts down gracefully.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => next.kill(signal));
}
next.once("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
