// Secrets are unreachable by default (decision 0033): every client createPrismaClient makes omits
// lib/db's `secretColumns`, so no query returns a password hash, an encrypted TOTP secret or a
// token or code hash unless it names the column. Checked the way a mistake would reach them: from
// every model, along every relation path (up to three hops) that ends at a model holding a secret,
// a full `include` (no select) of a row where that path leads somewhere. The paths come from
// prisma/schema.prisma and the columns from lib/db, so a new relation or a new secret column is
// covered the day it is added. The same walk over a client made without the omit finds them all,
// which shows the walk can fail.
import { randomBytes, randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { beforeAll, describe, expect, it } from "vitest";
import { hashPassword, hashToken } from "@/lib/auth";
import { PrismaClient, secretColumns } from "@/lib/db";
import { readDbConfig } from "@/lib/db/config";
import { testDb } from "../support/db";
import { createTestOrg } from "../support/orgs";
import { delegateName, readSchemaModels, type SchemaField, type SchemaModel } from "../support/prisma-schema";
import { giveEverySecret } from "../support/secrets";
import { TEST_PASSWORD } from "../support/users";

const models = readSchemaModels();
const modelByName = new Map(models.map((model) => [model.name, model]));
const secretModels = new Set(Object.keys(secretColumns));
const SECRET_NAMES = new Set(Object.values(secretColumns).flatMap((columns) => Object.keys(columns)));
const MAX_HOPS = 3;

type Path = { from: SchemaModel; hops: SchemaField[] };

/** Every relation path of up to MAX_HOPS hops ending at a model that holds a secret column. */
function pathsToSecrets(): Path[] {
  const paths: Path[] = [];
  const walk = (from: SchemaModel, at: SchemaModel, hops: SchemaField[]) => {
    if (hops.length > 0 && secretModels.has(delegateName(at.name))) paths.push({ from, hops });
    if (hops.length === MAX_HOPS) return;
    for (const relation of at.relations) {
      walk(from, modelByName.get(relation.type) as SchemaModel, [...hops, relation]);
    }
  };
  for (const model of models) walk(model, model, []);
  return paths;
}

/** `where` that finds a row from which every hop of the path leads to a row. */
function pathExists(hops: SchemaField[]): Record<string, unknown> {
  const [hop, ...rest] = hops;
  if (!hop) return {};
  const inner = pathExists(rest);
  if (hop.list) return { [hop.name]: { some: inner } };
  if (rest.length === 0 && hop.optional) return { [hop.name]: { isNot: null } };
  return { [hop.name]: { is: inner } };
}

/** `include: { a: { include: { b: true } } }` for the hops [a, b]. */
function includeAlong(hops: SchemaField[]): Record<string, unknown> {
  const [hop, ...rest] = hops;
  if (!hop) return {};
  return { [hop.name]: rest.length === 0 ? true : { include: includeAlong(rest) } };
}

/** The secret column names found as keys anywhere in a result. */
function secretKeysIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) secretKeysIn(item, found);
  else if (value && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_NAMES.has(key)) found.add(key);
      secretKeysIn(inner, found);
    }
  }
  return found;
}

type Delegate = { findFirst(args: unknown): Promise<unknown> };

/** For each path, what a full include along it returned of the secret columns ("" when nothing leaked). */
async function leaksAlongEveryPath(
  db: PrismaClient,
): Promise<{ path: string; leaked: string[]; found: boolean }[]> {
  const results = [];
  for (const { from, hops } of pathsToSecrets()) {
    const delegate = (db as unknown as Record<string, Delegate>)[delegateName(from.name)] as Delegate;
    const row = await delegate.findFirst({ where: pathExists(hops), include: includeAlong(hops) });
    results.push({
      path: [from.name, ...hops.map((hop) => hop.name)].join("."),
      leaked: [...secretKeysIn(row)],
      found: row !== null,
    });
  }
  return results;
}

/** One row of every model on those paths, each user holding every kind of secret. */
async function seedEveryRelation() {
  const db = testDb();
  const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
  const passwordHash = await hashPassword(TEST_PASSWORD);
  await giveEverySecret(db, owner().userId, passwordHash);
  await giveEverySecret(db, member().userId, passwordHash);
  await db.project.create({ data: { orgId: org.id, name: "Secrets test", createdById: owner().userId } });
  await db.invitation.create({
    data: {
      orgId: org.id,
      email: `invitee-${randomBytes(4).toString("hex")}@example.com`,
      tokenHash: hashToken(randomBytes(32).toString("base64url")),
      invitedById: owner().userId,
      expiresAt: new Date(Date.now() + 86_400_000),
    },
  });
  await db.userSession.create({ data: { userId: owner().userId, device: "Firefox on Linux" } });
  await db.oAuthAccount.create({
    data: { userId: owner().userId, provider: "github", providerAccountId: randomUUID() },
  });
  await db.dataExport.create({ data: { userId: owner().userId } });
  await db.billingAccount.create({ data: { orgId: org.id, stripeCustomerId: `cus_${randomUUID()}` } });
  await db.billingRefund.create({
    data: {
      idempotencyKey: randomUUID(),
      orgId: org.id,
      chargeId: `ch_${randomUUID()}`,
      stripeRefundId: `re_${randomUUID()}`,
      amount: 100,
      currency: "usd",
    },
  });
  return { owner: owner() };
}

let seeded: Awaited<ReturnType<typeof seedEveryRelation>>;
beforeAll(async () => {
  seeded = await seedEveryRelation();
});

describe("secret columns are omitted by default", { timeout: 120_000 }, () => {
  it("walks paths from the tenant models to the users", () => {
    const names = pathsToSecrets().map(({ from, hops }) =>
      [from.name, ...hops.map((hop) => hop.name)].join("."),
    );
    expect(names).toEqual(
      expect.arrayContaining(["Project.createdBy", "Invitation.invitedBy", "Organization.memberships.user"]),
    );
  });

  it("a full include along any path carries none of them", async () => {
    const results = await leaksAlongEveryPath(testDb());
    // Every path led to a row, so each check looked at a real related row.
    expect(results.filter((result) => !result.found).map((result) => result.path)).toEqual([]);
    expect(results.filter((result) => result.leaked.length > 0)).toEqual([]);
  });

  it("a plain read of each model holding secrets carries none of them", async () => {
    for (const delegate of secretModels) {
      const row = await (testDb() as unknown as Record<string, Delegate>)[delegate]?.findFirst({});
      expect(row, delegate).not.toBeNull();
      expect([...secretKeysIn(row)], delegate).toEqual([]);
    }
  });

  it("`select: { createdBy: true }` and the rows a write returns carry none of them", async () => {
    const project = await testDb().project.findFirst({
      where: { createdById: seeded.owner.userId },
      select: { createdBy: true },
    });
    expect(project?.createdBy).toMatchObject({ id: seeded.owner.userId });
    expect([...secretKeysIn(project)]).toEqual([]);
    const updated = await testDb().user.update({
      where: { id: seeded.owner.userId },
      data: { name: "Renamed" },
    });
    expect([...secretKeysIn(updated)]).toEqual([]);
  });

  it("code that needs one names it", async () => {
    const bySelect = await testDb().user.findUniqueOrThrow({
      where: { id: seeded.owner.userId },
      select: { passwordHash: true },
    });
    expect(bySelect.passwordHash).toMatch(/^\$argon2id\$/);
    const byOmit = await testDb().user.findUniqueOrThrow({
      where: { id: seeded.owner.userId },
      omit: { mfaSecretEncrypted: false },
    });
    expect(byOmit.mfaSecretEncrypted).toMatch(/^v1\./);
  });

  it("the same walk over a client without the omit finds the secrets (the check can fail)", async () => {
    const unguarded = new PrismaClient({
      adapter: new PrismaPg({ connectionString: readDbConfig().DATABASE_URL }),
    });
    try {
      const leaks = (await leaksAlongEveryPath(unguarded)).filter((result) => result.leaked.length > 0);
      expect(leaks.map((result) => result.path)).toEqual(
        expect.arrayContaining([
          "Project.createdBy",
          "Invitation.invitedBy",
          "Organization.memberships.user",
        ]),
      );
      expect(new Set(leaks.flatMap((result) => result.leaked))).toEqual(SECRET_NAMES);
    } finally {
      await unguarded.$disconnect();
    }
  });
});
