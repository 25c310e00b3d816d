import { describe, expect, it } from "vitest";
import { createProject, deleteProject, getProject, listProjects, updateProject } from "@/lib/orgs";
import { testDb } from "../support/db";
import { createTestOrg, rejectionOf } from "../support/orgs";

describe("projects", () => {
  it("are read by every member and created by owners and admins", async () => {
    const { admin, member } = await createTestOrg();
    const project = await createProject(admin().scope, { name: "  Launch  ", description: "" });
    expect(project).toMatchObject({ name: "Launch", description: null, createdBy: { id: admin().userId } });
    expect((await listProjects(member().scope)).map((entry) => entry.id)).toEqual([project.id]);
    expect((await getProject(member().scope, project.id)).name).toBe("Launch");
    expect(await rejectionOf(createProject(member().scope, { name: "Mine" }))).toMatchObject({ status: 403 });
  });

  it("are changed by admins, and by a member only when they created it", async () => {
    const { org, admin, member } = await createTestOrg();
    const adminsProject = await createProject(admin().scope, { name: "Admin's" });
    const membersProject = await testDb().project.create({
      data: { orgId: org.id, name: "Member's", createdById: member().userId },
    });
    expect((await updateProject(member().scope, membersProject.id, { name: "Renamed" })).name).toBe(
      "Renamed",
    );
    const refused = await rejectionOf(
      updateProject(member().scope, adminsProject.id, { name: "Taken over" }),
    );
    expect(refused).toMatchObject({ status: 403, code: "forbidden" });
    expect(refused.message).toMatch(/only the projects you created/);
    expect((await getProject(admin().scope, adminsProject.id)).name).toBe("Admin's");
    expect(
      (await updateProject(admin().scope, membersProject.id, { description: "Edited" })).description,
    ).toBe("Edited");
    const [denied] = await testDb().auditEvent.findMany({ where: { orgId: org.id, action: "authz.denied" } });
    expect(denied).toMatchObject({ actorId: member().userId, targetId: adminsProject.id });
  });

  it("are deleted by admins, with project.deleted in the audit log", async () => {
    const { org, admin, member } = await createTestOrg();
    const project = await createProject(admin().scope, { name: "Short-lived" });
    expect(await rejectionOf(deleteProject(member().scope, project.id))).toMatchObject({ status: 403 });
    await deleteProject(admin().scope, project.id);
    expect(await rejectionOf(getProject(admin().scope, project.id))).toMatchObject({ status: 404 });
    const [event] = await testDb().auditEvent.findMany({
      where: { orgId: org.id, action: "project.deleted" },
    });
    expect(event).toMatchObject({ targetId: project.id, metadata: { name: "Short-lived" } });
  });

  it("audit each change in its transaction: created with the name, updated with what changed, deleted with the name", async () => {
    const { org, admin, member } = await createTestOrg();
    const eventsOf = async (action: string) =>
      testDb().auditEvent.findMany({ where: { orgId: org.id, action }, orderBy: { seq: "asc" } });
    const actor = {
      actorType: "USER",
      actorId: admin().userId,
      actorIp: "203.0.113.9",
      actorUserAgent: "vitest",
    };

    const project = await createProject(admin().scope, { name: "Launch", description: "The plan" });
    expect(await eventsOf("project.created")).toEqual([
      expect.objectContaining({
        ...actor,
        targetType: "project",
        targetId: project.id,
        metadata: { name: "Launch" },
      }),
    ]);

    await updateProject(admin().scope, project.id, { name: "Liftoff" });
    await updateProject(admin().scope, project.id, { description: "A new plan" });
    // Nothing changed: nothing to record.
    await updateProject(admin().scope, project.id, { name: "Liftoff", description: "A new plan" });
    expect(
      (await eventsOf("project.updated")).map(({ targetId, metadata }) => ({ targetId, metadata })),
    ).toEqual([
      { targetId: project.id, metadata: { name: { from: "Launch", to: "Liftoff" } } },
      // A description can be long and personal: the event says it changed, not what it says.
      { targetId: project.id, metadata: { descriptionChanged: true } },
    ]);

    // A refused change records the refusal only.
    await rejectionOf(updateProject(member().scope, project.id, { name: "Taken over" }));
    expect(await eventsOf("project.updated")).toHaveLength(2);

    await deleteProject(admin().scope, project.id);
    expect(await eventsOf("project.deleted")).toEqual([
      expect.objectContaining({ ...actor, targetId: project.id, metadata: { name: "Liftoff" } }),
    ]);
  });

  it("of another organization are not found, exactly like missing ones, and stay untouched", async () => {
    const mine = await createTestOrg(["OWNER"]);
    const theirs = await createTestOrg(["OWNER"]);
    const project = await createProject(theirs.owner().scope, { name: "Theirs" });
    const scope = mine.owner().scope;
    const missing = await rejectionOf(getProject(scope, "00000000-0000-7000-8000-000000000000"));
    for (const attempt of [
      () => getProject(scope, project.id),
      () => updateProject(scope, project.id, { name: "Mine now" }),
      () => deleteProject(scope, project.id),
      () => getProject(scope, "../etc/passwd"),
    ]) {
      const error = await rejectionOf(attempt());
      expect({ status: error.status, code: error.code, message: error.message }).toEqual({
        status: 404,
        code: "not_found",
        message: missing.message,
      });
    }
    expect((await getProject(theirs.owner().scope, project.id)).name).toBe("Theirs");
    expect(await listProjects(scope)).toEqual([]);
  });
});
