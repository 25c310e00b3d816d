// Bad input to the organization forms and APIs is the caller's to fix: a 400 `invalid_input` with
// a message per field, never "Something went wrong" (a 500 reported as a bug). The forms validate
// with lib/orgs' own schemas, so they refuse in the wrapper, before anything runs; and lib/orgs
// answers bad input from any other caller with the same error instead of a bare ZodError.
import { describe, expect, it } from "vitest";
import { inviteAction } from "@/app/(app)/[org]/members/actions";
import { createProjectAction, updateProjectAction } from "@/app/(app)/[org]/projects/actions";
import { renameOrganizationAction } from "@/app/(app)/[org]/settings/actions";
import { POST as inviteRoute } from "@/app/api/orgs/[org]/invitations/route";
import { PATCH as updateProjectRoute } from "@/app/api/orgs/[org]/projects/[projectId]/route";
import { POST as createProjectRoute } from "@/app/api/orgs/[org]/projects/route";
import { PATCH as updateOrganizationRoute } from "@/app/api/orgs/[org]/route";
import {
  createInvitation,
  createProject,
  InvalidInputError,
  updateOrganization,
  updateProject,
} from "@/lib/orgs";
import { submitAction } from "../support/actions";
import { testDb } from "../support/db";
import { createTestOrg, rejectionOf } from "../support/orgs";
import { appRequest, sessionCookieFor } from "../support/sessions";
import { freshIp } from "../support/users";

/** What the wrapper answers a form whose fields its input schema refused. */
const formRefusal = (field: string, message: string) => ({
  status: "error",
  code: "invalid_input",
  message: "Some form values are missing or invalid. Check the fields marked.",
  fields: { [field]: [message] },
});

const BLANK = "   ";
const NAME_81 = "n".repeat(81);
const NAME_101 = "n".repeat(101);
const TEXT_2001 = "d".repeat(2001);

async function orgWithProject() {
  const { org, owner } = await createTestOrg(["OWNER"]);
  const project = await testDb().project.create({
    data: { orgId: org.id, createdById: owner().userId, name: "Launch" },
  });
  return { org, owner, project, cookie: await sessionCookieFor(owner().userId) };
}

describe("the organization forms refuse what lib/orgs refuses, as a form error", () => {
  it("invite: an address the browser accepts but isn't deliverable (a@b)", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    const outcome = await submitAction(
      inviteAction,
      { org: org.slug, email: "a@b", role: "MEMBER" },
      { cookie: await sessionCookieFor(owner().userId) },
    );
    expect(outcome).toEqual(formRefusal("email", "Enter an email address, such as ada@example.com."));
    expect(await testDb().invitation.count({ where: { orgId: org.id } })).toBe(0);
  });

  it("rename: a blank name and one of 81 characters", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    const cookie = await sessionCookieFor(owner().userId);
    const rename = (name: string) =>
      submitAction(renameOrganizationAction, { org: org.slug, name }, { cookie });
    expect(await rename(BLANK)).toEqual(formRefusal("name", "Enter a name."));
    expect(await rename(NAME_81)).toEqual(formRefusal("name", "Use at most 80 characters."));
    expect((await testDb().organization.findUniqueOrThrow({ where: { id: org.id } })).name).toBe(org.name);
  });

  it("new project: a blank name, one of 101 characters, a description of 2,001", async () => {
    const { org, cookie } = await orgWithProject();
    const create = (name: string, description = "") =>
      submitAction(createProjectAction, { org: org.slug, name, description }, { cookie });
    expect(await create(BLANK)).toEqual(formRefusal("name", "Enter a name."));
    expect(await create(NAME_101)).toEqual(formRefusal("name", "Use at most 100 characters."));
    expect(await create("Fine", TEXT_2001)).toEqual(
      formRefusal("description", "Use at most 2,000 characters."),
    );
    expect(await testDb().project.count({ where: { orgId: org.id } })).toBe(1);

    // A good one is created, and the browser goes to its page (the list's form may be gone now).
    const created = await create("Launch plan", "Everything for the launch.");
    const project = await testDb().project.findFirstOrThrow({
      where: { orgId: org.id, name: "Launch plan" },
    });
    expect(created).toEqual({ status: "redirect", to: `/${org.slug}/projects/${project.id}?created=1` });
  });

  it("edit project: a blank name, one of 101 characters, a description of 2,001", async () => {
    const { org, project, cookie } = await orgWithProject();
    const update = (name: string, description = "") =>
      submitAction(
        updateProjectAction,
        { org: org.slug, projectId: project.id, name, description },
        { cookie },
      );
    expect(await update(BLANK)).toEqual(formRefusal("name", "Enter a name."));
    expect(await update(NAME_101)).toEqual(formRefusal("name", "Use at most 100 characters."));
    expect(await update("Fine", TEXT_2001)).toEqual(
      formRefusal("description", "Use at most 2,000 characters."),
    );
    expect((await testDb().project.findUniqueOrThrow({ where: { id: project.id } })).name).toBe("Launch");
  });
});

describe("the organization APIs answer the same input with a 400", () => {
  it("invitations, organization and projects", async () => {
    const { org, project, cookie } = await orgWithProject();
    const params = (more: Record<string, string> = {}) => ({
      params: Promise.resolve({ org: org.slug, ...more }),
    });
    const send = (path: string, body: unknown, method = "POST") =>
      appRequest(path, { method, cookie, body, ip: freshIp() });
    const answers = [
      await inviteRoute(send(`/api/orgs/${org.slug}/invitations`, { email: "a@b" }), params()),
      await updateOrganizationRoute(send(`/api/orgs/${org.slug}`, { name: NAME_81 }, "PATCH"), params()),
      await createProjectRoute(send(`/api/orgs/${org.slug}/projects`, { name: BLANK }), params()),
      await updateProjectRoute(
        send(`/api/orgs/${org.slug}/projects/${project.id}`, { description: TEXT_2001 }, "PATCH"),
        params({ projectId: project.id }),
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect((await answer.json()).error.code).toBe("invalid_input");
    }
  });
});

describe("lib/orgs answers bad input from any caller as InvalidInputError, not a bare ZodError", () => {
  it("names each field, like the wrapper's own validation", async () => {
    const { org, owner } = await createTestOrg(["OWNER"]);
    const { scope } = owner();
    const project = await createProject(scope, { name: "Launch" });
    const refusals = [
      await rejectionOf(createInvitation(scope, { email: "a@b" })),
      await rejectionOf(updateOrganization(scope, { name: BLANK })),
      await rejectionOf(createProject(scope, { name: NAME_101 })),
      await rejectionOf(updateProject(scope, project.id, { description: TEXT_2001 })),
    ];
    for (const refusal of refusals) expect(refusal).toBeInstanceOf(InvalidInputError);
    expect(refusals.map((refusal) => Object.keys((refusal as InvalidInputError).fields ?? {}))).toEqual([
      ["email"],
      ["name"],
      ["name"],
      ["description"],
    ]);
    expect(refusals[0]).toMatchObject({ status: 400, code: "invalid_input" });
    expect(await testDb().organization.findUniqueOrThrow({ where: { id: org.id } })).toMatchObject({
      name: org.name,
    });
  });
});
