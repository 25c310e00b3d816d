// Demo data for development: the organization "Acme" (/acme) with an owner, an admin and a member, and
// three projects. Idempotent: it creates what is missing and leaves existing rows as they are, so it
// can run any number of times.
//
// `npm run dev` runs it once on its embedded database. Run it by hand with `npm run db:seed`
// (DATABASE_URL, or else the database of a running `npm run dev`). It refuses production: see
// prisma/seed-guard.ts.

import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import nextEnv from "@next/env"; // CommonJS: its named exports are not visible to ESM imports
import { hashPassword } from "../lib/auth";
import { createPrismaClient, type PrismaClient } from "../lib/db";
import { redactUrl } from "../tools/db/apply-migrations";
import { findRunningDevDatabase } from "../tools/embedded-postgres";
import { DEMO_ORGANIZATION, DEMO_PASSWORD, DEMO_PROJECTS, DEMO_USERS } from "./demo-data";
import { seedRefusalReason } from "./seed-guard";

/** Creates the demo organization, its three members and three projects where they do not exist yet. */
export async function seedDemoData(db: PrismaClient): Promise<void> {
  const organization = await db.organization.upsert({
    where: { slug: DEMO_ORGANIZATION.slug },
    create: DEMO_ORGANIZATION,
    update: {},
  });

  const userIds: string[] = [];
  for (const demoUser of DEMO_USERS) {
    const user = await db.user.upsert({
      where: { email: demoUser.email },
      create: {
        email: demoUser.email,
        name: demoUser.name,
        emailVerifiedAt: new Date(),
        passwordHash: await hashPassword(DEMO_PASSWORD),
      },
      update: {},
    });
    await db.membership.upsert({
      where: { userId_orgId: { userId: user.id, orgId: organization.id } },
      create: { userId: user.id, orgId: organization.id, role: demoUser.role },
      update: {},
    });
    userIds.push(user.id);
  }

  // Projects have no natural unique key, so "exists" means: same name in the same organization.
  for (const project of DEMO_PROJECTS) {
    const existing = await db.project.findFirst({ where: { orgId: organization.id, name: project.name } });
    if (!existing) {
      await db.project.create({ data: { ...project, orgId: organization.id, createdById: userIds[0] } });
    }
  }
}

/** The sign-in details, for terminal output. */
export function demoSignInLines(): string[] {
  return [
    `Sign in    ${DEMO_USERS.map((user) => `${user.email} (${user.role.toLowerCase()})`).join(", ")}`,
    `Password   ${DEMO_PASSWORD} (demo data, development only)`,
  ];
}

async function main(): Promise<void> {
  nextEnv.loadEnvConfig(fileURLToPath(new URL("..", import.meta.url)), true, {
    info: () => {},
    error: console.error,
  });
  const databaseUrl = process.env.DATABASE_URL || ((await findRunningDevDatabase()) ?? undefined);
  const refusal = seedRefusalReason({
    nodeEnv: process.env.NODE_ENV,
    databaseUrl,
    productionHosts: process.env.PRODUCTION_DATABASE_HOSTS,
  });
  if (refusal !== null || databaseUrl === undefined) {
    console.error(`Not seeding: ${refusal}`);
    process.exit(1);
  }
  const db = createPrismaClient({ DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: 1 });
  try {
    await seedDemoData(db);
  } finally {
    await db.$disconnect();
  }
  console.log(
    `Seeded demo data into ${redactUrl(databaseUrl)}: organization "${DEMO_ORGANIZATION.name}" (/acme).`,
  );
  for (const line of demoSignInLines()) console.log(`  ${line}`);
}

// Runs only as a script (`npm run db:seed`), not when `npm run dev` or a test imports seedDemoData.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
