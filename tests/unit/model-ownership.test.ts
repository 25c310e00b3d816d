// What a new Prisma model must come with (AGENTS.md rules 8 and 22), checked from the schema itself
// so it holds whoever adds the model: its comment (owner, lifecycle, queries), the lib module that
// owns it (named in that module's README under "Prisma models"), and, when it links to a user, its
// place in the user's data export (lib/privacy/export.ts) or a reviewed reason it has none. And the
// schema stays as `npm run prisma -- format` writes it.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { readSchemaModels } from "../support/prisma-schema";

const schema = readFileSync("prisma/schema.prisma", "utf8");
const models = readSchemaModels();

/** The `///` comment right above `model Name {`. */
function docCommentOf(model: string): string {
  const lines = schema.split("\n");
  const at = lines.findIndex((line) => line.startsWith(`model ${model} {`));
  const comment: string[] = [];
  for (let index = at - 1; index >= 0 && lines[index]?.startsWith("///"); index--)
    comment.unshift(lines[index] as string);
  return comment.join("\n");
}

/** Each lib module's README item "Prisma models." (lib/db's names them all, so it doesn't count). */
function modelItems(): Record<string, string> {
  const items: Record<string, string> = {};
  for (const module of readdirSync("lib")) {
    if (module === "db") continue;
    let readme: string;
    try {
      readme = readFileSync(path.join("lib", module, "README.md"), "utf8");
    } catch {
      continue;
    }
    const item = /\*\*Prisma models\.\*\*([\s\S]*?)(?=\n\d+\. \*\*|$)/.exec(readme);
    if (item) items[module] = item[1] as string;
  }
  return items;
}

/**
 * Relations of User that the data export leaves out, and why. Everything else a user is linked to
 * is read in lib/privacy/export.ts (by the relation's name or the model's client property).
 */
const NOT_IN_EXPORT: Record<string, string> = {
  authTokens: "hashes of one-time emailed links: secrets, no content of the user's",
  recoveryCodes: "argon2 hashes of the recovery codes: secrets, no content of the user's",
  dataExports: "the exports themselves",
  invitationsCreated: "the invitee's address is another person's data; the organization keeps the invitation",
  sessions:
    "device names and times, listed on /account/sessions; not in the archive yet (reported on issue 17)",
};

describe("every Prisma model", () => {
  it("has its comment: owner, lifecycle and queries", () => {
    const missing = models
      .map((model) => ({ model: model.name, comment: docCommentOf(model.name) }))
      .filter(
        ({ comment }) => !/Owner:/.test(comment) || !/Lifecycle:/.test(comment) || !/Queries:/.test(comment),
      )
      .map(({ model }) => model);
    expect(missing).toEqual([]);
  });

  it("is named by the lib module that owns it, in its README's Prisma models", () => {
    const items = Object.values(modelItems());
    expect(items.length).toBeGreaterThan(5);
    const unowned = models
      .map((model) => model.name)
      .filter((name) => !items.some((item) => new RegExp(`\\b${name}\\b`).test(item)));
    expect(unowned).toEqual([]);
  });

  it("that links to a user is in the user's data export, or says why not", () => {
    const exportSource = readFileSync("lib/privacy/export.ts", "utf8");
    const user = models.find((model) => model.name === "User");
    const relations = user?.relations ?? [];
    expect(relations.length).toBeGreaterThan(5);
    const delegate = (model: string) => model.charAt(0).toLowerCase() + model.slice(1);
    const uncovered = relations
      .filter((relation) => !(relation.name in NOT_IN_EXPORT))
      .filter(
        (relation) =>
          !new RegExp(`\\b${relation.name}:`).test(exportSource) &&
          !new RegExp(`\\.${delegate(relation.type)}\\.find`).test(exportSource),
      )
      .map((relation) => `User.${relation.name} (${relation.type})`);
    expect(uncovered).toEqual([]);
    // The exceptions stay relations that exist.
    expect(
      Object.keys(NOT_IN_EXPORT).filter((name) => !relations.some((relation) => relation.name === name)),
    ).toEqual([]);
  });
});

/** `npm run prisma -- format --check` (through the repository's offline bridge, scripts/prisma.ts). */
const formatCheck = (schemaFile: string) =>
  promisify(execFile)(
    process.execPath,
    ["node_modules/tsx/dist/cli.mjs", "scripts/prisma.ts", "format", "--check", "--schema", schemaFile],
    { env: { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" } },
  );

describe("prisma/schema.prisma", { timeout: 120_000 }, () => {
  it("is formatted as `npm run prisma -- format` writes it, and a hand-aligned field fails the check", async () => {
    await expect(formatCheck("prisma/schema.prisma")).resolves.toBeDefined();
    const misaligned = path.join(mkdtempSync(path.join(tmpdir(), "schema-format-")), "schema.prisma");
    writeFileSync(misaligned, schema.replace(/^( {2}email) +String +@unique/m, "$1 String @unique"));
    await expect(formatCheck(misaligned)).rejects.toMatchObject({ code: 1 });
  });
});
