// docs/MODULES.md is what a developer follows to copy a module into their own app, and its
// `transplant` blocks are what scripts/transplant/run.ts applies to templates/bare-next-app in CI.
// These tests hold the guide's other claims to the repository: the SQL files it applies, the
// versions it installs, the files it copies, and the traps it warns about.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { moduleSqlFiles } from "@/lib/db/module-setup";
import {
  addedLines,
  countedCommandLines,
  parseWiringBlocks,
  type WiringBlock,
} from "../../scripts/transplant/wiring";

const root = path.resolve(import.meta.dirname, "../..");
const migrationsDir = path.join(root, "prisma/migrations");
const templateDir = path.join(root, "templates/bare-next-app");
const guide = readFileSync(path.join(root, "docs/MODULES.md"), "utf8");
const blocks = parseWiringBlocks(guide);
const repoPackage = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  type?: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  overrides?: unknown;
};
const pinned = { ...repoPackage.dependencies, ...repoPackage.devDependencies };
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

const migrationSql = () =>
  readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((entry) => readFileSync(path.join(migrationsDir, entry.name, "migration.sql"), "utf8"))
    .join("\n");

/**
 * The database functions and triggers the migrations leave in place (created, and not dropped by a
 * later migration): the parts Prisma's schema can't describe, which a copied module must bring as SQL.
 */
function databaseCodeOfMigrations(): string[] {
  const sql = migrationSql();
  const created = [...sql.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|TRIGGER)\s+"?(\w+)"?/gi)];
  const dropped = new Set(
    [...sql.matchAll(/DROP\s+(?:FUNCTION|TRIGGER)\s+(?:IF\s+EXISTS\s+)?"?(\w+)"?/gi)].map((m) => m[1]),
  );
  return [...new Set(created.map((m) => m[1] as string))].filter((name) => !dropped.has(name));
}

function commandsOf(block: WiringBlock): string[] {
  return block.kind === "sh" ? block.text.split("\n").map((line) => line.trim()) : [];
}

describe("docs/MODULES.md", () => {
  it("sets up, with lib/db/module-setup.ts, a module whose SQL files hold every function and trigger the migrations keep", () => {
    const names = databaseCodeOfMigrations();
    expect(names).toContain("audit_pseudonymize_user");
    const setUp = [...guide.matchAll(/npx tsx lib\/db\/module-setup\.ts ([a-z-]+)/g)].map(
      (m) => m[1] as string,
    );
    expect(setUp).toContain("audit");
    const sqlFiles = setUp
      .flatMap((module) => moduleSqlFiles(root, module))
      .map((file) => path.relative(root, file));
    expect(sqlFiles).toContain("lib/audit/sql/audit.sql");
    expect(guide).toContain("lib/audit/sql/audit.sql");
    const shipped = sqlFiles.map(read).join("\n");
    expect(names.filter((name) => !new RegExp(`(FUNCTION|TRIGGER)\\s+"?${name}"?\\b`).test(shipped))).toEqual(
      [],
    );
  });

  it("has transplant blocks for ratelimit, mail and audit, each wiring one route of the template", () => {
    for (const module of ["ratelimit", "mail", "audit"]) {
      const routes = blocks.filter((b) => b.modules.includes(module) && b.file?.startsWith("app/api/"));
      expect(routes, module).toHaveLength(1);
      // The route exists in the bare app before the module: the count is what the module adds to it.
      expect(existsSync(path.join(templateDir, routes[0]?.file as string)), module).toBe(true);
    }
  });

  it("has the authz + http step write its own lib/http/identity.ts with what Shipshape's exports and lib/http reads", () => {
    const identity = blocks.find(
      (b) => b.modules.includes("authz+http") && b.file === "lib/http/identity.ts",
    );
    expect(identity).toBeDefined();
    const shipshape = read("lib/http/identity.ts");
    for (const name of [
      "CurrentUser",
      "currentUserFromRequest",
      "getCurrentUser",
      "hasRecentAuthentication",
    ]) {
      expect(shipshape, name).toContain(name);
      expect(identity?.text, name).toMatch(new RegExp(`export (const|type|function) ${name}\\b`));
    }
    // The fields identity.ts's comment promises are the ones lib/http reads: the replacement has each.
    for (const field of [
      "id",
      "emailVerified",
      "mfa",
      "mfaEnabled",
      "isPlatformAdmin",
      "authAt",
      "deletionPending",
    ]) {
      expect(shipshape, field).toContain(field);
      expect(identity?.text, field).toMatch(new RegExp(`\\b${field}: `));
    }
  });

  it("ships lib/authz's models with the fields prisma/schema.prisma gives them", () => {
    const modelFields = (schema: string, model: string) =>
      (new RegExp(`^(?:model|enum) ${model} \\{([^}]*)\\}`, "m").exec(schema)?.[1] ?? "")
        .split("\n")
        .map((line) => line.trim().split(/\s+/).slice(0, 2).join(" "))
        // Scalar fields and enum values; relations to models authz.prisma leaves out are the app's.
        .filter((line) => /^[a-zA-Z]+( (String|Boolean|DateTime|Role)\??)?$/.test(line));
    const shipped = read("lib/authz/authz.prisma");
    const repository = read("prisma/schema.prisma");
    for (const model of ["Organization", "Membership", "Role"]) {
      expect(modelFields(shipped, model).length, model).toBeGreaterThan(2);
      expect(modelFields(shipped, model), model).toEqual(modelFields(repository, model));
    }
  });

  it("installs packages at the versions package.json pins", () => {
    const installs = blocks
      .flatMap(commandsOf)
      .flatMap((line) => line.split("&&").map((part) => part.trim()))
      .filter((line) => line.startsWith("npm install"));
    expect(installs.length).toBeGreaterThan(0);
    const specs = installs.flatMap((line) =>
      line
        .split(/\s+/)
        .slice(2)
        .filter((word) => !word.startsWith("-")),
    );
    const wrong = specs.filter((spec) => {
      const at = spec.lastIndexOf("@");
      return at <= 0 || pinned[spec.slice(0, at)] !== spec.slice(at + 1);
    });
    expect(wrong).toEqual([]);
  });

  it("copies only files and folders the repository has", () => {
    const sources = blocks
      .flatMap(commandsOf)
      .filter((line) => line.startsWith("cp "))
      .flatMap((line) => [...line.matchAll(/"\$SHIPSHAPE"\/(\S+)/g)].map((match) => match[1] as string));
    expect(sources.length).toBeGreaterThan(0);
    const missing = sources.filter((source) => {
      if (!source.includes("*")) return !existsSync(path.join(root, source));
      // prisma/migrations/*_audit_log: exactly one migration of that name.
      const [dir, pattern] = [path.dirname(source), path.basename(source)];
      const suffix = pattern.replace(/^\*/, "");
      return readdirSync(path.join(root, dir)).filter((name) => name.endsWith(suffix)).length !== 1;
    });
    expect(missing).toEqual([]);
  });

  it("writes into lib/env/modules.ts only lines the repository's own list has", () => {
    const listed = read("lib/env/modules.ts");
    const lines = blocks
      .filter((b) => b.file === "lib/env/modules.ts")
      .flatMap((b) => b.text.split("\n").filter((line) => line.trim() !== ""));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => !listed.includes(line))).toEqual([]);
  });

  it("edits the template's files with patterns that match them", () => {
    const edits = blocks.flatMap(commandsOf).filter((line) => line.startsWith("sed -i"));
    expect(edits.length).toBeGreaterThan(0);
    for (const edit of edits) {
      // sed -i 's<d>pattern<d>replacement<d>' file, where <d> is whichever delimiter the command picked.
      const [, delimiter, rest, file] = /^sed -i 's(.)(.*)' (\S+)$/.exec(edit) ?? [];
      const pattern = rest?.split(delimiter as string)[0];
      expect(pattern, edit).toBeDefined();
      expect(
        new RegExp(pattern as string).test(readFileSync(path.join(templateDir, file as string), "utf8")),
        edit,
      ).toBe(true);
    }
  });

  it("says lib/backup's BigInt literals need ES2020 (create-next-app writes ES2017) and lib/audit has none", () => {
    expect(guide).toMatch(/lib\/backup uses BigInt literals/);
    expect(guide).toMatch(/lib\/audit writes `BigInt\(1\)` instead and compiles at ES2017/);
    const withBigInt = (dir: string) =>
      readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .some((file) => /\b\d+n\b/.test(read(path.join(dir, file))));
    expect(withBigInt("lib/audit")).toBe(false);
    expect(withBigInt("lib/backup")).toBe(true);
    expect(read("templates/bare-next-app/tsconfig.json")).toContain('"target": "ES2017"');
  });

  it("shows the overrides block package.json has for next-auth's nodemailer peer", () => {
    const shown = /```json\n(\s*"overrides": [\s\S]*?)\n\s*```/.exec(guide)?.[1];
    expect(shown).toBeDefined();
    expect(JSON.parse(`{${shown}}`).overrides).toEqual(repoPackage.overrides);
  });

  it("says the next-auth route has no segment config, which Cache Components refuse, and it has none", () => {
    expect(read("app/api/auth/[...nextauth]/route.ts")).not.toMatch(
      /export const (dynamic|dynamicParams|revalidate|fetchCache)\b/,
    );
    expect(guide).toContain("`app/api/auth/[...nextauth]/route.ts` has none");
    // The bare app is create-next-app 16's: Cache Components on.
    expect(read("templates/bare-next-app/next.config.ts")).toMatch(/cacheComponents: true/);
  });

  it("names what the copied tests need: type module, vitest.config.mts, the prisma bridge", () => {
    expect(repoPackage.type).toBe("module");
    expect(guide).toContain('"type": "module"');
    expect(existsSync(path.join(root, "vitest.config.mts"))).toBe(true);
    expect(read("vitest.config.mts")).toMatch(/server-only/);
    expect(guide).toContain("`vitest.config.mts`");
    expect(existsSync(path.join(root, "tools/prisma-schema-engine/schema-engine.mjs"))).toBe(true);
    expect(guide).toContain("PRISMA_SCHEMA_ENGINE_BINARY");
  });

  it("keeps the bare app's versions equal to the repository's", () => {
    const template = JSON.parse(read("templates/bare-next-app/package.json")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const different = Object.entries({ ...template.dependencies, ...template.devDependencies }).filter(
      ([name, version]) => pinned[name] !== version,
    );
    expect(different).toEqual([]);
  });
});

describe("the transplant test's line counting", () => {
  it("counts a line diff's additions, not blank lines or comments", () => {
    const before = "export async function GET() {\n  return Response.json({});\n}\n";
    const after =
      'import { x } from "@/lib/x";\n\n// why\nexport async function GET() {\n  await x();\n  return Response.json({});\n}\n';
    expect(addedLines(before, after)).toEqual(['import { x } from "@/lib/x";', "  await x();"]);
    // A changed line is an added one.
    expect(addedLines('"target": "ES2017"', '"target": "ES2020"')).toEqual(['"target": "ES2020"']);
    // A line of brackets alone (the "}," JSON adds before a new key) is not wiring.
    expect(addedLines('{\n  "a": { "b": 1 }\n}', '{\n  "a": { "b": 1 },\n  "type": "module"\n}')).toEqual([
      '  "a": { "b": 1 },',
      '  "type": "module"',
    ]);
  });

  it("counts commands that change the database or the environment, not copies, installs, generate or edits", () => {
    const script = [
      "mkdir -p lib",
      "cp -R a b",
      "rm lib/audit/directory.ts",
      "npm install x@1",
      "sed -i s/a/b/ f",
      "# note",
      "export PRISMA_SCHEMA_ENGINE_BINARY=x",
      "npx prisma migrate dev --name add_audit",
      "npx tsx lib/db/sql-file.ts lib/audit/sql/audit.sql",
      "npx tsx lib/db/module-setup.ts audit",
      "npx prisma generate",
    ].join("\n");
    expect(countedCommandLines(script)).toEqual([
      "export PRISMA_SCHEMA_ENGINE_BINARY=x",
      "npx prisma migrate dev --name add_audit",
      "npx tsx lib/db/sql-file.ts lib/audit/sql/audit.sql",
      "npx tsx lib/db/module-setup.ts audit",
    ]);
  });

  it("refuses a transplant block that names no module", () => {
    expect(() => parseWiringBlocks("```sh transplant\nls\n```\n")).toThrow(/names no module/);
  });
});
