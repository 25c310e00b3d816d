import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { passwordProblems, verifyPassword } from "@/lib/auth";
import { DEMO_PASSWORD } from "@/prisma/demo-data";
import { seedDemoData } from "@/prisma/seed";
import { testDb } from "../support/db";

describe("seedDemoData", () => {
  it("uses a demo password that our own password policy accepts", () => {
    expect(passwordProblems(DEMO_PASSWORD, { email: "owner@example.com" })).toEqual([]);
  });

  it("creates Acme with an owner, an admin, a member and three projects, once however often it runs", async () => {
    const db = testDb();
    await seedDemoData(db);
    await seedDemoData(db);

    const organizations = await db.organization.findMany({
      where: { slug: "acme" },
      include: { memberships: { include: { user: { omit: { passwordHash: false } } } }, projects: true },
    });
    expect(organizations).toHaveLength(1);
    const [acme] = organizations;
    expect(acme?.name).toBe("Acme");
    expect(acme?.projects).toHaveLength(3);
    expect(acme?.memberships.map((membership) => [membership.user.email, membership.role]).sort()).toEqual([
      ["admin@example.com", "ADMIN"],
      ["member@example.com", "MEMBER"],
      ["owner@example.com", "OWNER"],
    ]);
    for (const { user } of acme?.memberships ?? []) {
      expect(user.emailVerifiedAt).toBeInstanceOf(Date);
      expect(await verifyPassword(user.passwordHash ?? "", DEMO_PASSWORD)).toBe(true);
    }
  });
});

describe("npm run db:seed", () => {
  it("refuses, with exit code 1, a database host listed in PRODUCTION_DATABASE_HOSTS", async () => {
    const host = new URL(process.env.DATABASE_URL ?? "").hostname;
    // The command in package.json: lib modules need the react-server condition outside Next.
    const seed = promisify(execFile)(
      process.execPath,
      ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "prisma/seed.ts"],
      { env: { ...process.env, PRODUCTION_DATABASE_HOSTS: `other.example.com,${host}` } },
    );
    await expect(seed).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining(`Not seeding: the database host ${host} matches`),
    });
  });
});
