// A bad environment stops `npm start` and `npm run dev` before Next.js starts: the refusal lists every
// problem (a type error hides no cross-field rule), and nothing printed suggests the server started.
// Next prints "Ready" as soon as it listens, before instrumentation.ts checks the environment, so the
// check has to run in the start commands themselves. Both are spawned here as a person would type them.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const testDatabase = inject("testDatabase");
const databaseUrl = testDatabase.kind === "postgres" ? testDatabase.adminUrl : testDatabase.url;

/** What a server start looks like in Next's output ("▲ Next.js 16…", "- Local:", "✓ Ready in 1.2s"). */
const STARTED = /Ready in|Next\.js|Local:|Starting/;

/** Runs `npm <args>` with only `env` (and PATH); kills it after `limitMs` (a server that started). */
function npm(args: string[], env: Record<string, string>, limitMs = 90_000) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn("npm", ["--silent", ...args], {
      cwd: ROOT,
      // No NODE_ENV: each command picks its own, as from a shell.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NEXT_TELEMETRY_DISABLED: "1",
        ...env,
      } as Record<string, string> as NodeJS.ProcessEnv,
      detached: true,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => process.kill(-(child.pid as number), "SIGKILL"), limitMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

const problemNames = (output: string) => [...output.matchAll(/^ {2}- (\w+):/gm)].map((match) => match[1]);

describe("starting with a bad environment", () => {
  it("npm start: lists the type error and every cross-field problem, and prints nothing of a start", async () => {
    const { code, output } = await npm(["start"], {
      DATABASE_URL: "postgresql://app@127.0.0.1:5432/app",
      LOG_LEVEL: "verbose",
      APP_URL: "http://app.example.com",
      TRUSTED_PROXY_COUNT: "1",
      REDIS_URL: "redis://127.0.0.1:6379",
      SMTP_URL: "smtp://127.0.0.1:2525",
    });
    expect(code, output).toBe(1);
    // NODE_ENV is production, as `next start` makes it: the production rules apply. Each variable's
    // own check first, then the modules' cross-field rules in lib/env/modules.ts's order, then APP_URL.
    expect(problemNames(output)).toEqual([
      "LOG_LEVEL",
      "AUDIT_PSEUDONYM_KEY",
      "AUTH_SECRET",
      "AUTH_ENCRYPTION_KEYS",
      "APP_URL",
    ]);
    expect(output).toMatch(/APP_URL: must start with https:\/\//);
    expect(output).not.toMatch(STARTED);
  }, 120_000);

  it("npm run dev: lists every problem before Next starts, and prints nothing of a start", async () => {
    const { code, output } = await npm(["run", "dev", "--", "--port", "3999"], {
      // The test database, so that a runner which failed to refuse would not create .data/pglite here.
      DATABASE_URL: databaseUrl,
      DEV_JOB_WORKER: "false",
      LOG_LEVEL: "verbose",
      AUTH_SESSION_IDLE_DAYS: "40",
      UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
    });
    expect(code, output).toBe(1);
    expect(problemNames(output)).toEqual(["LOG_LEVEL", "AUTH_SESSION_IDLE_DAYS", "UPSTASH_REDIS_REST_TOKEN"]);
    expect(output).not.toMatch(STARTED);
  }, 120_000);
});
