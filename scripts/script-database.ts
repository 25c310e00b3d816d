// What the maintenance commands that open the app's database share (audit:verify, auth:reencrypt,
// billing:replay): the .env files loaded as Next loads them (variables already set win), then
// DATABASE_URL, else the embedded database of a running `npm run dev`.
import { fileURLToPath } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { findRunningDevDatabase } from "../tools/embedded-postgres";

/** The database URL to work on, or undefined (the caller says how to provide one and exits 2). */
export async function scriptDatabaseUrl(): Promise<string | undefined> {
  nextEnv.loadEnvConfig(fileURLToPath(new URL("..", import.meta.url)), true, {
    info: () => {},
    error: console.error,
  });
  return process.env.DATABASE_URL || ((await findRunningDevDatabase()) ?? undefined);
}

export const NO_DATABASE_MESSAGE =
  "No database: set DATABASE_URL, or start `npm run dev` for the embedded one.";
