// The secret-column list in lib/db (what every query leaves out unless it asks) is the one place a
// secret column is named. A new column whose name says it holds a secret (a hash of a credential, a
// token, an encrypted value, an API key) fails here until it is in that list, or in the reviewed
// exceptions below with the reason it may travel in any result.
import { describe, expect, it } from "vitest";
import { secretColumns } from "@/lib/db/secret-columns";
import { delegateName, readSchemaModels } from "../support/prisma-schema";

const SOUNDS_SECRET = /hash|secret|token|password|encrypt|credential|api_?key|private/i;

/** Columns whose name sounds secret but whose value is not one, and why. */
const REVIEWED_NOT_SECRET: Record<string, string> = {
  "AuditEvent.prevHash": "the audit chain's link: public by design, verification needs it",
  "AuditEvent.hash": "the audit chain's own hash of the event: public by design",
  "AuditCheckpoint.hash": "where a pruned audit chain resumes: public by design",
  "AuditEvent.hashVersion": "which canonical form the audit hash covers: a number",
};

const models = readSchemaModels();
const listed = Object.entries(secretColumns).flatMap(([delegate, columns]) =>
  Object.keys(columns).map((column) => ({ delegate, column })),
);

describe("secret columns", () => {
  it("reads the schema's models", () => {
    expect(models.map((model) => model.name)).toEqual(
      expect.arrayContaining(["User", "Project", "Invitation"]),
    );
    expect(models.find((model) => model.name === "User")?.fields.map((field) => field.name)).toContain(
      "passwordHash",
    );
  });

  it("lists every column whose name says secret, or it is a reviewed exception", () => {
    const unlisted = models.flatMap((model) =>
      model.fields
        .filter((field) => SOUNDS_SECRET.test(field.name))
        .filter(
          (field) =>
            !listed.some(
              (entry) => entry.delegate === delegateName(model.name) && entry.column === field.name,
            ),
        )
        .map((field) => `${model.name}.${field.name}`)
        .filter((name) => !(name in REVIEWED_NOT_SECRET)),
    );
    expect(unlisted).toEqual([]);
  });

  it("names only columns that exist", () => {
    const missing = listed.filter(
      ({ delegate, column }) =>
        !models.some(
          (model) =>
            delegateName(model.name) === delegate && model.fields.some((field) => field.name === column),
        ),
    );
    expect(missing).toEqual([]);
  });

  it("keeps the exceptions to columns that exist", () => {
    const existing = new Set(
      models.flatMap((model) => model.fields.map((field) => `${model.name}.${field.name}`)),
    );
    expect(Object.keys(REVIEWED_NOT_SECRET).filter((name) => !existing.has(name))).toEqual([]);
  });
});
