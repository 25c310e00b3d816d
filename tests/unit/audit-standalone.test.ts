import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// lib/audit copies into an app that has none of Shipshape's other models: apart from the viewer's
// optional directory (lib/audit/directory.ts, which its index leaves out), it reads and names no
// model but its own. tests/integration/audit-module-sql.test.ts runs it on a database that holds only
// its tables; this keeps the code from reaching for the others again.

const root = fileURLToPath(new URL("../..", import.meta.url));
const OWN_MODELS = new Set(["auditEvent", "auditCheckpoint"]);

describe("lib/audit on its own", () => {
  const files = readdirSync(path.join(root, "lib/audit")).filter((file) => file.endsWith(".ts"));
  const source = (file: string) => readFileSync(path.join(root, "lib/audit", file), "utf8");

  it("uses no other module's Prisma model, in queries or in SQL, outside directory.ts", () => {
    const uses = files
      .filter((file) => file !== "directory.ts")
      .flatMap((file) => {
        const text = source(file);
        const delegates = [...text.matchAll(/\b(?:db|tx|ownTx|options\.db|input\.db)\.([a-z][A-Za-z]*)\./g)]
          .map((match) => match[1] as string)
          .filter((model) => !model.startsWith("$") && !OWN_MODELS.has(model));
        const tables = [...text.matchAll(/"([A-Z][A-Za-z]+)"/g)]
          .map((match) => match[1] as string)
          .filter((table) => !["AuditEvent", "AuditCheckpoint", "AuditActorType"].includes(table))
          .filter((table) => /\b(FROM|JOIN|INTO|UPDATE)\s+"/.test(text) && text.includes(`FROM "${table}"`));
        return [...delegates, ...tables].map((model) => `${file}: ${model}`);
      });
    expect(uses).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it("keeps the directory out of its index, so the index compiles without User and Organization", () => {
    expect(source("index.ts")).not.toMatch(/from "\.\/directory"/);
    expect(source("directory.ts")).toMatch(/db\.user\./);
  });

  it("would flag a query on another model (the check above can fail)", () => {
    const text = 'const user = await db.user.findUnique({ where: { email } }); SELECT id FROM "User"';
    expect([...text.matchAll(/\b(?:db|tx)\.([a-z][A-Za-z]*)\./g)].map((match) => match[1])).toEqual(["user"]);
    expect(text.includes('FROM "User"')).toBe(true);
  });
});
