// Route code never reaches the database directly: app/ gets data through the lib module that owns
// the model, whose queries carry the tenant and the access rule. This walks every file in app/ and
// fails on an import of lib/db, of Prisma's packages, or of the generated client.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(".");

/**
 * The one exception, and why: the readiness probe asks whether the database answers at all
 * (`SELECT 1` through pingDatabase); it reads no model and no tenant's data.
 */
const ALLOWED = new Set(["app/api/ready/route.ts @/lib/db"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(m|c)?(t|j)sx?$/.test(entry.name) ? [full] : [];
  });
}

/** Every module specifier in a source text: static and dynamic imports, re-exports and require(). */
function specifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] as string));
}

/** Why `specifier`, imported from `file`, reaches the database directly; null when it doesn't. */
function databaseImport(file: string, specifier: string): string | null {
  if (/^@prisma\//.test(specifier) || specifier === "prisma") return "imports Prisma directly";
  const target = specifier.startsWith("@/")
    ? path.join(root, specifier.slice(2))
    : specifier.startsWith(".")
      ? path.resolve(path.dirname(file), specifier)
      : null;
  if (target && path.relative(path.join(root, "lib/db"), target).split(path.sep)[0] !== "..") {
    return "imports lib/db (use the lib module that owns the model)";
  }
  return null;
}

function problemsIn(file: string, source: string): string[] {
  return specifiers(source).flatMap((specifier) => {
    if (ALLOWED.has(`${path.relative(root, file)} ${specifier}`)) return [];
    const problem = databaseImport(file, specifier);
    return problem ? [`${path.relative(root, file)}: "${specifier}" ${problem}`] : [];
  });
}

describe("app/ and the database", () => {
  it("has no file that imports lib/db, @prisma/* or the generated client", () => {
    const files = sourceFiles(path.join(root, "app"));
    expect(files.length).toBeGreaterThan(20);
    expect(files.flatMap((file) => problemsIn(file, readFileSync(file, "utf8")))).toEqual([]);
  });

  it("catches each way of importing them", () => {
    const file = path.join(root, "app/api/x/route.ts");
    const source = [
      'import { getDb } from "@/lib/db";',
      'import type { Project } from "@/lib/db/generated/client";',
      'import { PrismaClient } from "@prisma/client";',
      'export { Role } from "../../../lib/db";',
      'const db = await import("@/lib/db");',
      'import "@/lib/db/generated/client";',
      'import { listProjects } from "@/lib/orgs";',
      'import { dbish } from "@/lib/dbx";',
    ].join("\n");
    expect(problemsIn(file, source).map((problem) => problem.split('"')[1])).toEqual([
      "@/lib/db",
      "@/lib/db/generated/client",
      "@prisma/client",
      "../../../lib/db",
      "@/lib/db/generated/client",
      "@/lib/db",
    ]);
  });
});
