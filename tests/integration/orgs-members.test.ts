import { describe, expect, inject, it } from "vitest";
import {
  changeMemberRole,
  leaveOrganization,
  listMembers,
  removeMember,
  transferOwnership,
} from "@/lib/orgs";
import { testDb } from "../support/db";
import { addMember, createTestOrg, rejectionOf, type TestMember } from "../support/orgs";

const embedded = inject("testDatabase").kind === "embedded";
const onlyOnPostgres = embedded
  ? " (skipped on embedded PGlite: it runs one transaction at a time, and this needs several open)"
  : "";

/**
 * Runs the changes truly at the same moment: the test holds a lock on the organization's membership
 * rows, starts every change, waits until all of them are blocked in the database (each has read
 * what it reads before its first write, unless something serializes them), then lets go.
 */
async function allAtOnce<T>(
  orgId: string,
  changes: (() => Promise<T>)[],
): Promise<PromiseSettledResult<T>[]> {
  let settled: Promise<PromiseSettledResult<T>[]> | undefined;
  await testDb().$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM "Membership" WHERE "orgId" = ${orgId}::uuid FOR UPDATE`;
      settled = Promise.allSettled(changes.map((change) => change()));
      for (;;) {
        const [row] = await testDb().$queryRaw<{ waiting: number }[]>`
          SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        if ((row?.waiting ?? 0) >= changes.length) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    { timeout: 25_000 },
  );
  return settled as Promise<PromiseSettledResult<T>[]>;
}

const roleOf = async (membershipId: string) =>
  (await testDb().membership.findUnique({ where: { id: membershipId } }))?.role ?? null;

describe("listing members", () => {
  it("shows every member, owners first, to any member", async () => {
    const { member, members } = await createTestOrg(["MEMBER", "ADMIN", "OWNER"]);
    const list = await listMembers(member().scope);
    expect(list.map((entry) => entry.role)).toEqual(["OWNER", "ADMIN", "MEMBER"]);
    expect(new Set(list.map((entry) => entry.user.email))).toEqual(
      new Set(members.map((entry) => entry.email)),
    );
    // Each member in lib/auth's public shape, and nothing else of their account.
    for (const entry of list) expect(Object.keys(entry.user).sort()).toEqual(["email", "id", "name"]);
  });
});

describe("changing roles", () => {
  it("lets an owner promote and demote, and records membership.role_changed", async () => {
    const { org, owner, member } = await createTestOrg();
    const updated = await changeMemberRole(owner().scope, member().membershipId, "ADMIN");
    expect(updated.role).toBe("ADMIN");
    const [event] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "membership.role_changed" },
    });
    // The member is the target (their hard delete pseudonymizes it); the membership is a detail.
    expect(event).toMatchObject({
      actorId: owner().userId,
      targetType: "user",
      targetId: member().userId,
      metadata: { membershipId: member().membershipId, from: "MEMBER", to: "ADMIN" },
    });
  });

  it("stops admins from touching owners or making anyone an owner, and members from changing roles", async () => {
    const { org, owner, admin, member } = await createTestOrg();
    const demoteOwner = await rejectionOf(changeMemberRole(admin().scope, owner().membershipId, "MEMBER"));
    expect(demoteOwner).toMatchObject({ status: 403, code: "forbidden" });
    expect(demoteOwner.message).toMatch(/only an owner can change or remove an owner/i);

    const escalate = await rejectionOf(changeMemberRole(admin().scope, member().membershipId, "OWNER"));
    expect(escalate).toMatchObject({ status: 403 });
    expect(escalate.message).toMatch(/above your own/);
    const selfPromote = await rejectionOf(changeMemberRole(admin().scope, admin().membershipId, "OWNER"));
    expect(selfPromote).toMatchObject({ status: 403 });
    expect(await rejectionOf(changeMemberRole(member().scope, member().membershipId, "ADMIN"))).toMatchObject(
      {
        status: 403,
      },
    );

    expect(await roleOf(owner().membershipId)).toBe("OWNER");
    expect(await roleOf(admin().membershipId)).toBe("ADMIN");
    expect(await roleOf(member().membershipId)).toBe("MEMBER");
    // Every refusal is in the audit log as a permission denial.
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "authz.denied" } })).toBe(4);

    // What an admin may do: manage those below owner.
    expect((await changeMemberRole(admin().scope, member().membershipId, "ADMIN")).role).toBe("ADMIN");
  });

  it("uses the role held now, not the one the request started with", async () => {
    const { admin, member } = await createTestOrg();
    // The wrapper loaded ADMIN; the membership was demoted since.
    await testDb().membership.update({ where: { id: admin().membershipId }, data: { role: "MEMBER" } });
    expect(await rejectionOf(changeMemberRole(admin().scope, member().membershipId, "ADMIN"))).toMatchObject({
      status: 403,
    });
  });

  it("never demotes the last owner", async () => {
    const { owner } = await createTestOrg(["OWNER", "ADMIN"]);
    const error = await rejectionOf(changeMemberRole(owner().scope, owner().membershipId, "ADMIN"));
    expect(error).toMatchObject({ status: 409, code: "last_owner" });
    expect(await roleOf(owner().membershipId)).toBe("OWNER");
  });

  it("lets one of two owners step down", async () => {
    const { owner, members } = await createTestOrg(["OWNER", "OWNER"]);
    expect((await changeMemberRole(owner().scope, owner().membershipId, "ADMIN")).role).toBe("ADMIN");
    expect(await roleOf(members[1]?.membershipId as string)).toBe("OWNER");
  });

  it.skipIf(embedded)(
    `keeps the last owner when every owner steps down at the same moment${onlyOnPostgres}`,
    async () => {
      const { org, members } = await createTestOrg(["OWNER", "OWNER", "OWNER", "OWNER"]);
      const outcomes = await allAtOnce(
        org.id,
        members.map((owner) => () => changeMemberRole(owner.scope, owner.membershipId, "ADMIN")),
      );
      const refusals = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason] : []));
      expect(refusals).toMatchObject([{ status: 409, code: "last_owner" }]);
      expect(await testDb().membership.count({ where: { orgId: org.id, role: "OWNER" } })).toBe(1);
    },
  );

  it.skipIf(embedded)(
    `leaves one owner when two owners demote each other at the same moment${onlyOnPostgres}`,
    async () => {
      const { org, members } = await createTestOrg(["OWNER", "OWNER"]);
      const [a, b] = members as [TestMember, TestMember];
      const outcomes = await allAtOnce(org.id, [
        () => changeMemberRole(a.scope, b.membershipId, "MEMBER"),
        () => changeMemberRole(b.scope, a.membershipId, "MEMBER"),
      ]);
      expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
      // The loser finds it is no longer an owner, so it may not change roles at all.
      expect(outcomes.find((outcome) => outcome.status === "rejected")).toMatchObject({
        reason: { status: 403 },
      });
      expect(await testDb().membership.count({ where: { orgId: org.id, role: "OWNER" } })).toBe(1);
    },
  );

  it("answers 404 for a membership of another organization, exactly as for none", async () => {
    const mine = await createTestOrg(["OWNER"]);
    const theirs = await createTestOrg(["OWNER", "MEMBER"]);
    const foreign = await rejectionOf(
      changeMemberRole(mine.owner().scope, theirs.member().membershipId, "ADMIN"),
    );
    const missing = await rejectionOf(
      changeMemberRole(mine.owner().scope, "00000000-0000-7000-8000-000000000000", "ADMIN"),
    );
    const malformed = await rejectionOf(changeMemberRole(mine.owner().scope, "not-an-id", "ADMIN"));
    for (const error of [foreign, missing, malformed]) {
      expect({ status: error.status, code: error.code, message: error.message }).toEqual({
        status: missing.status,
        code: "not_found",
        message: missing.message,
      });
    }
    expect(await roleOf(theirs.member().membershipId)).toBe("MEMBER");
  });
});

describe("removing and leaving", () => {
  it("lets an owner remove an admin, records membership.removed, and refuses removing yourself", async () => {
    const { org, owner, admin } = await createTestOrg(["OWNER", "ADMIN"]);
    await removeMember(owner().scope, admin().membershipId);
    expect(await roleOf(admin().membershipId)).toBeNull();
    expect(
      await testDb().auditEvent.findMany({ where: { orgId: org.id, action: "membership.removed" } }),
    ).toEqual([
      expect.objectContaining({
        actorId: owner().userId,
        targetType: "user",
        targetId: admin().userId,
        metadata: { membershipId: admin().membershipId, role: "ADMIN" },
      }),
    ]);
    expect(await rejectionOf(removeMember(owner().scope, owner().membershipId))).toMatchObject({
      status: 409,
      code: "use_leave",
    });
  });

  it("stops an admin from removing an owner, and a member from removing anyone", async () => {
    const { owner, admin, member } = await createTestOrg();
    expect(await rejectionOf(removeMember(admin().scope, owner().membershipId))).toMatchObject({
      status: 403,
    });
    expect(await rejectionOf(removeMember(member().scope, admin().membershipId))).toMatchObject({
      status: 403,
    });
    await removeMember(admin().scope, member().membershipId);
    expect(await roleOf(member().membershipId)).toBeNull();
  });

  it("lets members and admins leave, and keeps the last owner in", async () => {
    const { org, owner, admin, member } = await createTestOrg();
    await leaveOrganization(member().scope);
    await leaveOrganization(admin().scope);
    expect(await rejectionOf(leaveOrganization(owner().scope))).toMatchObject({
      status: 409,
      code: "last_owner",
    });
    expect(await testDb().membership.count({ where: { orgId: org.id } })).toBe(1);
    expect(await testDb().auditEvent.count({ where: { orgId: org.id, action: "membership.left" } })).toBe(2);

    const second = await addMember(org.id, "OWNER");
    await leaveOrganization(owner().scope);
    expect(await roleOf(second.membershipId)).toBe("OWNER");
  });
});

describe("transferring ownership", () => {
  it("makes the member an owner and the old owner an admin, and records it", async () => {
    const { org, owner, member } = await createTestOrg(["OWNER", "MEMBER"]);
    const newOwner = await transferOwnership(owner().scope, member().membershipId);
    expect(newOwner.role).toBe("OWNER");
    expect(await roleOf(owner().membershipId)).toBe("ADMIN");
    const [event] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "org.ownership_transferred" },
    });
    // From the actor to the target; no user id in the metadata.
    expect(event).toMatchObject({
      actorId: owner().userId,
      targetType: "user",
      targetId: member().userId,
      metadata: { membershipId: member().membershipId, previousRole: "MEMBER" },
    });
    expect(event?.metadata).toEqual({ membershipId: member().membershipId, previousRole: "MEMBER" });
  });

  it("is for owners only, and only to a member of this organization", async () => {
    const { owner, admin, member } = await createTestOrg();
    const other = await createTestOrg(["OWNER", "MEMBER"]);
    expect(await rejectionOf(transferOwnership(admin().scope, member().membershipId))).toMatchObject({
      status: 403,
    });
    expect(await rejectionOf(transferOwnership(owner().scope, other.member().membershipId))).toMatchObject({
      status: 404,
    });
    expect(await rejectionOf(transferOwnership(owner().scope, owner().membershipId))).toMatchObject({
      status: 409,
    });
    expect(await roleOf(owner().membershipId)).toBe("OWNER");
    expect(await roleOf(other.member().membershipId)).toBe("MEMBER");
  });
});
