// Starts the production build (`npm start`: scripts/start.ts's environment check, then `next start`)
// for the HTTP variants of the benchmarks, on 127.0.0.1:<port>, with a fresh secret and the given
// environment (the benchmark's scratch database, REDIS_URL, billing keys). Build first:
// `flock /tmp/shipshape-build.lock npx next build`. Resolves once /api/health answers 200.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";

export interface NextServer {
  url: string;
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 180_000;

export async function startNextServer(port: number, env: Record<string, string>): Promise<NextServer> {
  if (!existsSync(".next/BUILD_ID")) {
    throw new Error(
      "No production build in .next: run `flock /tmp/shipshape-build.lock npx next build` first.",
    );
  }
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      "node_modules/tsx/dist/cli.mjs",
      "--conditions=react-server",
      "scripts/start.ts",
      "-H",
      "127.0.0.1",
      "-p",
      String(port),
    ],
    {
      stdio: ["ignore", "ignore", "inherit"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        APP_URL: url,
        AUTH_SECRET: randomBytes(32).toString("base64"),
        AUTH_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString("base64")}`,
        LOG_LEVEL: "warn",
        NEXT_TELEMETRY_DISABLED: "1",
        // Required in production; nothing in the benchmarks sends mail.
        SMTP_URL: "smtp://127.0.0.1:9",
        // The benchmark is the only client and reaches next start directly.
        TRUSTED_PROXY_COUNT: "0",
        ...env,
      },
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before answering`);
    try {
      if ((await fetch(`${url}/api/health`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill("SIGTERM");
      throw new Error(`npm start did not answer /api/health within ${STARTUP_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
