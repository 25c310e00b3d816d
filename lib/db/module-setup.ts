// What a module copied into another app needs from its database, as one command run in the app's
// folder (docs/MODULES.md, lib/db/README.md):
//   npx tsx lib/db/module-setup.ts audit
// 1. `prisma migrate dev --name add_<module>`: a migration for the models the app's schema gained
//    (for audit, lib/audit/audit.prisma copied into prisma/ beside a multi-file schema), applied.
// 2. The module's SQL files, lib/<module>/sql/*.sql in name order (what Prisma's schema cannot
//    express: triggers, functions, grants), each in one transaction (./sql-file.ts). They run after
//    the migration because they act on its tables; they are written to be run again safely.
// 3. `prisma generate`, so the app's client knows the new models.
// DATABASE_URL comes from the environment or the app's .env files (Next's rules, as `next dev`).
// The Prisma CLI downloads a native schema engine first unless PRISMA_SCHEMA_ENGINE_BINARY names one:
// when it is unset and Shipshape's WebAssembly bridge was copied (tools/prisma-schema-engine), the
// bridge is used, as Shipshape's own `npm run prisma` does (docs/decisions/0001-prisma-schema-engine-bridge.md).
// Shipshape itself doesn't run this: its migrations already hold every module's tables and SQL.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { applySqlFile } from "./sql-file";

// @next/env is CommonJS, and this file runs as CommonJS or as an ES module depending on the app's
// package.json: a default import resolves in one and not the other, require() in both.
const { loadEnvConfig } = createRequire(import.meta.url)("@next/env") as typeof import("@next/env");
const SCHEMA_ENGINE_BRIDGE = path.join("tools", "prisma-schema-engine", "schema-engine.mjs");

/** The module's SQL files (lib/<module>/sql/*.sql), in the order they are applied. */
export function moduleSqlFiles(appDir: string, moduleName: string): string[] {
  const sqlDir = path.join(appDir, "lib", moduleName, "sql");
  if (!existsSync(sqlDir)) return [];
  return readdirSync(sqlDir)
    .filter((name) => name.endsWith(".sql"))
    .sort()
    .map((name) => path.join(sqlDir, name));
}

function runPrisma(appDir: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const cli = path.join(appDir, "node_modules", "prisma", "build", "index.js");
  const child = spawn(process.execPath, [cli, ...args], { cwd: appDir, stdio: "inherit", env });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}

async function main(): Promise<number> {
  const [moduleName, ...extra] = process.argv.slice(2);
  const appDir = process.cwd();
  if (!moduleName || extra.length > 0 || !/^[a-z][a-z0-9-]*$/.test(moduleName)) {
    console.error("Usage: tsx lib/db/module-setup.ts <module>   (in the app's folder, e.g. audit)");
    return 2;
  }
  if (!existsSync(path.join(appDir, "lib", moduleName))) {
    console.error(`lib/${moduleName} is not in ${appDir}: copy the module first, then run this there.`);
    return 2;
  }
  if (!existsSync(path.join(appDir, "node_modules", "prisma", "build", "index.js"))) {
    console.error("The Prisma CLI is missing: `npm install -D prisma` in the app first.");
    return 2;
  }
  loadEnvConfig(appDir, process.env.NODE_ENV !== "production", {
    info: () => {},
    error: console.error,
  });
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error("DATABASE_URL is not set (environment or .env): it names the database to set up.");
    return 2;
  }
  const env = { ...process.env };
  if (!env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync(path.join(appDir, SCHEMA_ENGINE_BRIDGE))) {
    env.PRISMA_SCHEMA_ENGINE_BINARY = SCHEMA_ENGINE_BRIDGE;
  }

  const migrated = await runPrisma(appDir, ["migrate", "dev", "--name", `add_${moduleName}`], env);
  if (migrated !== 0) return migrated;
  for (const file of moduleSqlFiles(appDir, moduleName)) {
    const relative = path.relative(appDir, file);
    try {
      await applySqlFile(databaseUrl, file);
    } catch (error) {
      console.error(`${relative} was not applied (nothing of it was kept): ${(error as Error).message}`);
      return 1;
    }
    console.log(`Applied ${relative}.`);
  }
  return runPrisma(appDir, ["generate"], env);
}

// No top-level await: see the same lines in ./sql-file.ts.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then((code) => {
    process.exitCode = code;
  });
}
