// docs/MODULES.md tells a developer which migrations to paste when copying lib/audit into another
// app. A migration that defines a database function or trigger and isn't named there leaves the
// copied module calling something that doesn't exist ("function audit_pseudonymize_user does not
// exist"), so every such migration must be named in the guide.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const migrationsDir = path.join(root, "prisma/migrations");
const guide = readFileSync(path.join(root, "docs/MODULES.md"), "utf8");

/** Migrations whose SQL creates a function or a trigger: the parts Prisma's schema can't describe. */
function migrationsWithDatabaseCode(): string[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) =>
      /CREATE\s+(OR\s+REPLACE\s+)?(FUNCTION|TRIGGER)/i.test(
        readFileSync(path.join(migrationsDir, name, "migration.sql"), "utf8"),
      ),
    );
}

describe("docs/MODULES.md", () => {
  it("names every migration that creates a database function or trigger", () => {
    const found = migrationsWithDatabaseCode();
    expect(found.length).toBeGreaterThan(0);
    // The guide names a migration by its name without the timestamp: `*_audit_log`.
    const unnamed = found.filter((name) => !guide.includes(`*_${name.replace(/^\d+_/, "")}/migration.sql`));
    expect(unnamed).toEqual([]);
  });
});
