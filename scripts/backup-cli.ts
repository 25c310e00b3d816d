// What the three backup commands (scripts/backup.ts, restore.ts, backup-drill.ts) share: loading .env,
// turning failures into a message and exit code 1, byte sizes for people, and a progress line.

import { fileURLToPath } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { BackupError } from "../lib/backup";
import { InvalidEnvironmentError } from "../lib/env";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Runs a command's main function: loads .env files as Next does (variables already set win), prints
 * a failure as `<command> failed: <message>` on stderr, and exits with main's code, or 1 on failure.
 */
export function runCli(command: string, main: () => Promise<number>): void {
  nextEnv.loadEnvConfig(REPO_ROOT, process.env.NODE_ENV !== "production", {
    info: () => {},
    error: console.error,
  });
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      // Expected failures carry a message that says what to do; anything else gets its stack.
      const expected = error instanceof BackupError || error instanceof InvalidEnvironmentError;
      console.error(
        `${command} failed: ${expected ? (error as Error).message : ((error as Error)?.stack ?? error)}`,
      );
      process.exit(1);
    },
  );
}

/** DATABASE_URL, or a clear error when it is unset. */
export function requireDatabaseUrl(purpose: string): string {
  const url = process.env.DATABASE_URL;
  if (url) return url;
  throw new BackupError(
    "config",
    `DATABASE_URL is not set: it names the database to ${purpose}. Set it (or put it in .env). The ` +
      "embedded development database cannot be dumped: pg_dump needs a PostgreSQL server of its own version.",
  );
}

/** 1234567 → "1.2 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

// Redrawing more often than this only costs time.
const REDRAW_MS = 200;

/**
 * A one-line progress display on stderr, redrawn in place, shown only on a terminal (a cron job's log
 * gets the summary line alone). done() clears it.
 */
export function progressLine(label: string): { update: (bytes: number) => void; done: () => void } {
  const stream = process.stderr;
  if (!stream.isTTY) return { update: () => {}, done: () => {} };
  let lastDraw = 0;
  return {
    update(bytes) {
      const now = Date.now();
      if (now - lastDraw < REDRAW_MS) return;
      lastDraw = now;
      stream.write(`\r\x1b[K${label}: ${formatBytes(bytes)}`);
    },
    done() {
      stream.write("\r\x1b[K");
    },
  };
}
