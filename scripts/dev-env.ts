// The environment of `npm run dev`, loaded and checked before the rest of scripts/dev.ts is even
// loaded (dev.ts imports this first): modules such as lib/log read the environment as they load,
// and a bad value there ended in a stack trace; and Next prints "Ready" before it checks the
// environment itself (instrumentation.ts). A bad environment stops here, listing every problem.

import { fileURLToPath } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { serverEnvRefusal } from "../lib/env/preflight";

const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * The environment from before the .env files were read. Next loads those files itself (and reloads
 * them on change), so it gets this; the runner reads them only to see a DATABASE_URL set in them.
 */
export const inheritedEnv = { ...process.env };
nextEnv.loadEnvConfig(REPO_ROOT, true, { info: () => {}, error: console.error });

// Without DATABASE_URL the runner starts the embedded PostgreSQL, whose URL is known only once it
// runs: any valid URL stands in for it here.
const refusal = serverEnvRefusal({
  ...process.env,
  DATABASE_URL: process.env.DATABASE_URL || "postgresql://127.0.0.1/embedded",
});
if (refusal) {
  console.error(`\n${refusal}\n`);
  process.exit(1);
}
