// The models of prisma/schema.prisma as the tests need them: each model's fields, and which fields
// are relations to which model. Read from the schema file itself (not the generated client), so a
// test built on it covers a model or column the day it is added.
import { readFileSync } from "node:fs";
import path from "node:path";

export type SchemaField = { name: string; type: string; list: boolean; optional: boolean };
export type SchemaModel = { name: string; fields: SchemaField[]; relations: SchemaField[] };

const SCALARS = new Set([
  "String",
  "Boolean",
  "Int",
  "BigInt",
  "Float",
  "Decimal",
  "DateTime",
  "Json",
  "Bytes",
]);

export function readSchemaModels(file = path.resolve("prisma/schema.prisma")): SchemaModel[] {
  const text = readFileSync(file, "utf8");
  const modelNames = new Set([...text.matchAll(/^model (\w+) \{/gm)].map((match) => match[1] as string));
  const models: SchemaModel[] = [];
  for (const match of text.matchAll(/^model (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const fields: SchemaField[] = [];
    for (const line of (match[2] as string).split("\n")) {
      const field = /^\s+(\w+)\s+(\w+)(\[\])?(\?)?/.exec(line);
      if (!field || line.trim().startsWith("//") || line.trim().startsWith("@@")) continue;
      fields.push({
        name: field[1] as string,
        type: field[2] as string,
        list: !!field[3],
        optional: !!field[4],
      });
    }
    models.push({
      name: match[1] as string,
      fields: fields.filter((field) => SCALARS.has(field.type) || !modelNames.has(field.type)),
      relations: fields.filter((field) => modelNames.has(field.type)),
    });
  }
  return models;
}

/** The Prisma client's property for a model: `OAuthAccount` → `oAuthAccount`. */
export const delegateName = (model: string) => model.charAt(0).toLowerCase() + model.slice(1);
